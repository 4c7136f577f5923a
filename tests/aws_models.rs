//! The launcher checks every request against AWS's published API models
//! (scripts/aws_models.py): a request AWS would reject is answered as AWS
//! answers it, and fails the test that sent it even when the client copes.

use crate::support::*;

#[tokio::test]
async fn a_request_aws_rejects_is_refused_and_named() {
    let moto = Moto::start();
    let sdk = moto.sdk().await;
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&sdk);
    // ELB's 32-character limit is stated only in prose; the model has none.
    let err = elb
        .create_target_group()
        .name("a-target-group-name-over-32-characters")
        .protocol(aws_sdk_elasticloadbalancingv2::types::ProtocolEnum::Http)
        .port(80)
        .send()
        .await
        .expect_err("AWS refuses a 38-character target group name");
    let shown = format!("{:?}", err);
    assert!(shown.contains("ValidationError"), "{shown}");
    let ecs = aws_sdk_ecs::Client::new(&sdk);
    ecs.create_cluster()
        .cluster_name("has spaces")
        .send()
        .await
        .expect_err("AWS refuses a cluster name with spaces");
    let iam = aws_sdk_iam::Client::new(&sdk);
    iam.create_role()
        .role_name("r".repeat(65))
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .expect_err("IAM's model limits role names to 64");
    let rejected = moto.take_rejected_requests();
    let lines: Vec<&str> = rejected.lines().collect();
    assert_eq!(lines.len(), 3, "{rejected}");
    assert!(
        lines[0].starts_with("elasticloadbalancing CreateTargetGroup Name: up to 32 letters")
            && lines[0].ends_with("value 'a-target-group-name-over-32-characters'"),
        "{rejected}"
    );
    assert!(
        lines[1].starts_with("ecs CreateCluster clusterName: up to 255 letters"),
        "{rejected}"
    );
    assert!(
        lines[2].starts_with("iam CreateRole RoleName: length <= 64"),
        "{rejected}"
    );
    // Nothing was created: the requests never reached the emulator.
    let clusters = ecs.list_clusters().send().await.unwrap();
    assert!(clusters.cluster_arns().is_empty());
}

#[tokio::test]
async fn a_test_whose_requests_aws_rejects_fails_when_it_ends() {
    let moto = Moto::start();
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let _ = ecs.create_cluster().cluster_name("has spaces").send().await;
    let ended = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| drop(moto)));
    let message = ended.expect_err("the harness fails the test");
    let message = message
        .downcast_ref::<String>()
        .cloned()
        .unwrap_or_default();
    assert!(
        message.contains("ecs CreateCluster clusterName"),
        "{message}"
    );
}

/// The policies the binary sends (it names itself in the User-Agent) are
/// linted with IAM's catalogue of actions and resource types: a wildcard
/// resource where the action takes an ARN, an action that does not exist.
#[tokio::test]
async fn a_policy_the_binary_sends_is_linted() {
    let moto = Moto::start();
    let as_the_binary = moto
        .sdk()
        .await
        .to_builder()
        .app_name(aws_config::AppName::new("fargate-stack").unwrap())
        .build();
    let iam = aws_sdk_iam::Client::new(&as_the_binary);
    iam.create_role()
        .role_name("linted")
        .assume_role_policy_document(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ecs-tasks.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
        )
        .send()
        .await
        .unwrap();
    for (name, document) in [
        (
            "star",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        ),
        (
            "unknown",
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecs:NoSuchAction","Resource":"*"}]}"#,
        ),
    ] {
        iam.put_role_policy()
            .role_name("linted")
            .policy_name(name)
            .policy_document(document)
            .send()
            .await
            .expect("AWS accepts it; the lint is the test's");
    }
    let found = moto.take_rejected_requests();
    assert!(
        found.contains("policy iam PutRolePolicy PolicyDocument: RESOURCE_STAR ['s3:GetObject']"),
        "{found}"
    );
    assert!(
        found.contains("UNKNOWN_ACTION Unknown action ecs:NoSuchAction"),
        "{found}"
    );
    assert_eq!(
        found.lines().count(),
        2,
        "the trust policy is clean: {found}"
    );
}

/// Every test's emulator answers as AWS does, with the fields and defaults
/// moto leaves out (scripts/aws_shapes.py), so each convergence check in
/// the suite ("No changes.", no mutating call) holds against AWS's answers.
#[tokio::test]
async fn answers_carry_what_aws_fills_in() {
    let moto = Moto::start();
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    ecs.register_task_definition()
        .family("shaped")
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder()
                .name("app")
                .image("nginx")
                .memory(512)
                .port_mappings(
                    aws_sdk_ecs::types::PortMapping::builder()
                        .container_port(8080)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();
    let td = ecs
        .describe_task_definition()
        .task_definition("shaped")
        .send()
        .await
        .unwrap()
        .task_definition()
        .unwrap()
        .clone();
    assert!(
        td.registered_by()
            .is_some_and(|r| r.starts_with("arn:aws:iam::"))
    );
    assert!(!td.requires_attributes().is_empty());
    let c = &td.container_definitions()[0];
    assert_eq!(c.essential(), Some(true));
    let port = &c.port_mappings()[0];
    assert_eq!(port.host_port(), Some(8080));
    assert_eq!(port.protocol().map(|p| p.as_str()), Some("tcp"));
}
