//! Web services through the binary: certificates validated through Route 53,
//! the load balancer (created or adopted), listeners, rules, DNS, WAF,
//! services in their target groups, autoscaling, and destroy.

use crate::support::*;

use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, Certificate, FixedResponseActionConfig, ProtocolEnum, RuleCondition,
};
use aws_sdk_route53::types::RrType;

/// A listener's default action as someone else's load balancer has it.
fn not_found() -> Action {
    Action::builder()
        .r#type(ActionTypeEnum::FixedResponse)
        .fixed_response_config(
            FixedResponseActionConfig::builder()
                .status_code("404")
                .build(),
        )
        .build()
}

/// A workdir with the original's minimal http config as `http.yml`.
fn original_http(moto: &Moto) -> (Workdir, String) {
    let w = Workdir::new(Some(moto));
    let text =
        std::fs::read_to_string(repo_root().join("tests/data/original/minimal-http.yml")).unwrap();
    w.write("http.yml", &text);
    (w, text)
}

/// Another team's load balancer in these subnets, with its own group.
async fn their_load_balancer(
    moto: &Moto,
    vpc: &str,
    name: &str,
    scheme: aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum,
    subnets: &[String],
) -> (String, String) {
    let sg = security_group(moto, vpc, &format!("{name}-alb")).await;
    let arn = elb(moto)
        .await
        .create_load_balancer()
        .name(name)
        .scheme(scheme)
        .set_subnets(Some(subnets.to_vec()))
        .security_groups(&sg)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    (arn, sg)
}

/// A subnet in `zone` of the VPC, its third octet `third`; with no route
/// table of its own it uses the main one (through the NAT: private).
async fn subnet_in(moto: &Moto, vpc: &str, third: &str, zone: &str) -> String {
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk().await);
    let cidr = ec2
        .describe_vpcs()
        .vpc_ids(vpc)
        .send()
        .await
        .unwrap()
        .vpcs()[0]
        .cidr_block()
        .unwrap()
        .to_string();
    let prefix = cidr.rsplitn(3, '.').last().unwrap().to_string();
    ec2.create_subnet()
        .vpc_id(vpc)
        .cidr_block(format!("{prefix}.{third}.0/24"))
        .availability_zone(zone)
        .send()
        .await
        .unwrap()
        .subnet()
        .unwrap()
        .subnet_id()
        .unwrap()
        .to_string()
}

async fn elb(moto: &Moto) -> aws_sdk_elasticloadbalancingv2::Client {
    aws_sdk_elasticloadbalancingv2::Client::new(&moto.sdk().await)
}

/// The alias target of a domain's A record, if any.
async fn alias_of(moto: &Moto, zone: &str, domain: &str) -> Option<String> {
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let out = r53
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .send()
        .await
        .unwrap();
    out.resource_record_sets()
        .iter()
        .find(|r| r.name().trim_end_matches('.') == domain && *r.r#type() == RrType::A)
        .and_then(|r| r.alias_target())
        .map(|a| a.dns_name().to_lowercase())
}

/// Whether the listener serves the certificate (as default or for SNI).
async fn serves(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    listener: &str,
    certificate: &str,
) -> bool {
    elb.describe_listener_certificates()
        .listener_arn(listener)
        .send()
        .await
        .unwrap()
        .certificates()
        .iter()
        .any(|c| c.certificate_arn() == Some(certificate))
}

/// The names of the account's ECS scheduled scaling actions.
async fn action_names(scaling: &aws_sdk_applicationautoscaling::Client) -> Vec<String> {
    scaling
        .describe_scheduled_actions()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap()
        .scheduled_actions()
        .iter()
        .map(|a| a.scheduled_action_name().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_https_stack_comes_up_in_one_apply_serves_two_services_and_goes_away() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    let zone_id = zone(&moto, "example.com", None).await;
    let w = Workdir::new(Some(&moto));
    copy_example(&w, "web.yml");

    // verify finds each domain's zone and says a certificate will be requested.
    let checks = w
        .run(&["verify", "-c", "web.yml", "-o", "json"])
        .ok()
        .json();
    let web_checks: Vec<(String, String)> = checks["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["check"] == "hosted zone" || c["check"] == "certificate")
        .map(|c| {
            (
                c["result"].as_str().unwrap().to_string(),
                c["detail"].to_string(),
            )
        })
        .collect();
    assert_eq!(web_checks.len(), 4, "{checks:#}");
    assert!(
        web_checks.iter().all(|(r, _)| r == "PASS"),
        "{web_checks:?}"
    );
    assert!(
        web_checks
            .iter()
            .any(|(_, d)| d.contains(&format!("zone {zone_id}"))),
        "{web_checks:?}"
    );

    let applied = w.run(&["apply", "-c", "web.yml", "--yes"]).ok();
    assert!(
        applied.stdout.contains("Apply complete"),
        "{}",
        applied.stdout
    );
    let cfg = w.yaml("web.yml");
    let alb_arn = str_at(&cfg, &["alb", "arn"]).to_string();
    let elb = elb(&moto).await;

    // The load balancer: internet-facing, in the public subnets, with its
    // own group open on 443 and 80 to the world.
    let lb = elb
        .describe_load_balancers()
        .load_balancer_arns(&alb_arn)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .clone();
    assert_eq!(lb.load_balancer_name(), Some("web-demo-alb"));
    assert_eq!(lb.scheme().unwrap().as_str(), "internet-facing");
    let mut azs: Vec<String> = lb
        .availability_zones()
        .iter()
        .filter_map(|z| z.subnet_id().map(str::to_string))
        .collect();
    azs.sort();
    let mut public = seed.public.clone();
    public.sort();
    assert_eq!(azs, public);
    let alb_sg = str_at(&cfg, &["security_groups", "alb", "group_id"]).to_string();
    assert_eq!(lb.security_groups(), std::slice::from_ref(&alb_sg));
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk().await);
    let groups = ec2
        .describe_security_groups()
        .group_ids(&alb_sg)
        .group_ids(str_at(&cfg, &["security_groups", "fargate", "group_id"]))
        .send()
        .await
        .unwrap();
    let open: Vec<(i32, String)> = groups
        .security_groups()
        .iter()
        .find(|g| g.group_id() == Some(alb_sg.as_str()))
        .unwrap()
        .ip_permissions()
        .iter()
        .flat_map(|p| {
            p.ip_ranges()
                .iter()
                .map(|r| (p.from_port().unwrap(), r.cidr_ip().unwrap().to_string()))
        })
        .collect();
    assert!(open.contains(&(443, "0.0.0.0/0".into())), "{open:?}");
    assert!(open.contains(&(80, "0.0.0.0/0".into())), "{open:?}");
    // The tasks' group lets in the container ports from the ALB's group only.
    let tasks_group = groups
        .security_groups()
        .iter()
        .find(|g| g.group_id() != Some(alb_sg.as_str()))
        .unwrap();
    for port in [80, 8080] {
        let rule = tasks_group
            .ip_permissions()
            .iter()
            .find(|p| p.from_port() == Some(port))
            .unwrap_or_else(|| panic!("no ingress on {port}"));
        assert!(rule.ip_ranges().is_empty());
        assert_eq!(
            rule.user_id_group_pairs()[0].group_id(),
            Some(alb_sg.as_str())
        );
    }

    // Target groups: ip, the container port, the health check.
    let tgs = elb
        .describe_target_groups()
        .names("web-demo-web-tg")
        .names("web-demo-api-tg")
        .send()
        .await
        .unwrap();
    let tg = |name: &str| {
        tgs.target_groups()
            .iter()
            .find(|t| t.target_group_name() == Some(name))
            .unwrap()
            .clone()
    };
    let (web_tg, api_tg) = (tg("web-demo-web-tg"), tg("web-demo-api-tg"));
    assert_eq!(web_tg.port(), Some(80));
    assert_eq!(api_tg.port(), Some(8080));
    assert_eq!(api_tg.health_check_path(), Some("/health"));
    assert_eq!(web_tg.target_type().unwrap().as_str(), "ip");
    assert_eq!(
        str_at(&cfg, &["tasks", "api", "target_group_arn"]),
        api_tg.target_group_arn().unwrap()
    );

    // Certificates: one per domain, issued, recorded per task.
    let acm = aws_sdk_acm::Client::new(&moto.sdk().await);
    let web_cert = str_at(&cfg, &["tasks", "web", "certificate_arn"]).to_string();
    let api_cert = str_at(&cfg, &["tasks", "api", "certificate_arn"]).to_string();
    assert_ne!(web_cert, api_cert);
    for arn in [&web_cert, &api_cert] {
        let c = acm
            .describe_certificate()
            .certificate_arn(arn)
            .send()
            .await
            .unwrap();
        assert_eq!(
            c.certificate().unwrap().status().unwrap().as_str(),
            "ISSUED"
        );
    }

    // Listeners: 443 with the www certificate and a TLS 1.3 policy (api's
    // added for SNI), 80 redirecting to 443.
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(&alb_arn)
        .send()
        .await
        .unwrap();
    let https = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(443))
        .unwrap();
    assert_eq!(https.protocol(), Some(&ProtocolEnum::Https));
    assert_eq!(
        https.certificates()[0].certificate_arn(),
        Some(web_cert.as_str())
    );
    assert!(https.ssl_policy().unwrap().contains("TLS13"));
    let http = listeners
        .listeners()
        .iter()
        .find(|l| l.port() == Some(80))
        .unwrap();
    let redirect = http.default_actions()[0].redirect_config().unwrap();
    assert_eq!(redirect.protocol(), Some("HTTPS"));
    assert_eq!(redirect.status_code().unwrap().as_str(), "HTTP_301");
    assert!(serves(&elb, https.listener_arn().unwrap(), &api_cert).await);

    // One rule per service, by host, with distinct priorities.
    let rules = elb
        .describe_rules()
        .listener_arn(https.listener_arn().unwrap())
        .send()
        .await
        .unwrap();
    let ours: Vec<_> = rules
        .rules()
        .iter()
        .filter(|r| r.is_default() != Some(true))
        .collect();
    assert_eq!(ours.len(), 2);
    assert_ne!(ours[0].priority(), ours[1].priority());
    for (host, tg) in [("www.example.com", &web_tg), ("api.example.com", &api_tg)] {
        let rule = ours
            .iter()
            .find(|r| {
                r.conditions()[0]
                    .host_header_config()
                    .is_some_and(|h| h.values() == [host.to_string()])
            })
            .unwrap_or_else(|| panic!("no rule for {host}"));
        assert_eq!(
            rule.actions()[0].target_group_arn(),
            tg.target_group_arn(),
            "{host}"
        );
    }
    let priorities: Vec<String> = ours
        .iter()
        .map(|r| r.priority().unwrap().to_string())
        .collect();

    // DNS: alias records to the ALB; the zone is recorded.
    for domain in ["www.example.com", "api.example.com"] {
        assert_eq!(
            alias_of(&moto, &zone_id, domain)
                .await
                .unwrap()
                .trim_end_matches('.'),
            lb.dns_name().unwrap().to_lowercase(),
            "{domain}"
        );
    }
    assert_eq!(str_at(&cfg, &["route53", "zone_id"]), zone_id);

    // WAF: the default bundle, associated with the ALB.
    let waf = aws_sdk_wafv2::Client::new(&moto.sdk().await);
    let acl = waf
        .get_web_acl_for_resource()
        .resource_arn(&alb_arn)
        .send()
        .await
        .unwrap();
    let acl = acl.web_acl().unwrap();
    assert_eq!(acl.name(), "web-demo-acl");
    let groups: Vec<&str> = acl
        .rules()
        .iter()
        .filter_map(|r| Some(r.statement()?.managed_rule_group_statement()?.name()))
        .collect();
    assert_eq!(
        groups,
        [
            "AWSManagedRulesCommonRuleSet",
            "AWSManagedRulesAmazonIpReputationList",
            "AWSManagedRulesKnownBadInputsRuleSet",
            "AWSManagedRulesSQLiRuleSet"
        ]
    );

    // A second apply changes nothing, and says autoscaling waits for the services.
    moto.clear_calls();
    let again = w.run(&["apply", "-c", "web.yml", "--yes"]).ok();
    moto.assert_no_mutations("a second apply");
    assert!(again.stdout.contains("No changes"), "{}", again.stdout);
    assert!(
        again.stdout.contains(
            "tasks.web.autoscaling: set up by `fargate-stack create-service web -c web.yml`"
        ),
        "{}",
        again.stdout
    );

    // The services: in their target groups, with a grace period, and their
    // autoscaling set up.
    let created = run(&w, &["create-service", "web", "-c", "web.yml"]).ok();
    assert!(
        created.stdout.contains("https://www.example.com/"),
        "{}",
        created.stdout
    );
    run(&w, &["create-service", "api", "-c", "web.yml"]).ok();
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let services = ecs
        .describe_services()
        .cluster("web-demo-cluster")
        .services("web")
        .services("api")
        .send()
        .await
        .unwrap();
    for svc in services.services() {
        let name = svc.service_name().unwrap();
        let lb = &svc.load_balancers()[0];
        let (tg, port) = if name == "web" {
            (&web_tg, 80)
        } else {
            (&api_tg, 8080)
        };
        assert_eq!(lb.target_group_arn(), tg.target_group_arn(), "{name}");
        assert_eq!(lb.container_name(), Some(name));
        assert_eq!(lb.container_port(), Some(port));
        assert_eq!(svc.health_check_grace_period_seconds(), Some(60), "{name}");
    }
    let scaling = aws_sdk_applicationautoscaling::Client::new(&moto.sdk().await);
    use aws_sdk_applicationautoscaling::types::ServiceNamespace;
    let targets = scaling
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    let target = |id: &str| {
        targets
            .scalable_targets()
            .iter()
            .find(|t| t.resource_id() == id)
            .unwrap_or_else(|| panic!("no scalable target {id}"))
            .clone()
    };
    let web_target = target("service/web-demo-cluster/web");
    assert_eq!(
        (web_target.min_capacity(), web_target.max_capacity()),
        (2, 6)
    );
    let api_target = target("service/web-demo-cluster/api");
    assert_eq!(
        (api_target.min_capacity(), api_target.max_capacity()),
        (1, 4)
    );
    let policies = scaling
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    let policy = |resource: &str| {
        policies
            .scaling_policies()
            .iter()
            .find(|p| p.resource_id() == resource)
            .unwrap()
            .target_tracking_scaling_policy_configuration()
            .unwrap()
            .clone()
    };
    let web_policy = policy("service/web-demo-cluster/web");
    assert_eq!(web_policy.target_value(), 60.0);
    let web_metric = web_policy.predefined_metric_specification().unwrap();
    assert_eq!(
        web_metric.predefined_metric_type().as_str(),
        "ECSServiceAverageCPUUtilization"
    );
    let api_policy = policy("service/web-demo-cluster/api");
    let api_metric = api_policy.predefined_metric_specification().unwrap();
    assert_eq!(
        api_metric.predefined_metric_type().as_str(),
        "ALBRequestCountPerTarget"
    );
    let label = api_metric.resource_label().unwrap();
    assert!(label.starts_with("app/web-demo-alb/"), "{label}");
    assert!(label.contains("/targetgroup/web-demo-api-tg/"), "{label}");
    let actions = scaling
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    let out = actions
        .scheduled_actions()
        .iter()
        .find(|a| a.scheduled_action_name() == "web-demo-business-hours-out-schedule")
        .expect("the scale-out action");
    assert_eq!(out.schedule(), "cron(00 08 ? * 2-6 *)");
    assert_eq!(
        out.scalable_target_action().and_then(|a| a.max_capacity()),
        Some(8)
    );
    let policy_arn = str_at(
        &w.yaml("web.yml"),
        &["tasks", "web", "autoscaling", "policy_arn"],
    )
    .to_string();
    assert!(policy_arn.contains("policyName/app-fargatestack-web-demo-web-autoscaling-policy"));

    // Everything converged: a third apply makes no call that changes anything.
    moto.clear_calls();
    let third = w.run(&["apply", "-c", "web.yml", "--yes"]).ok();
    moto.assert_no_mutations("an apply after create-service");
    assert!(!third.stdout.contains("Later"), "{}", third.stdout);
    // Rules kept their priorities.
    let now: Vec<String> = elb
        .describe_rules()
        .listener_arn(https.listener_arn().unwrap())
        .send()
        .await
        .unwrap()
        .rules()
        .iter()
        .filter(|r| r.is_default() != Some(true))
        .map(|r| r.priority().unwrap().to_string())
        .collect();
    assert_eq!(now, priorities);

    // status: the URL and the health of registered targets (the emulator
    // registers none for a service; a target registered here is healthy).
    let status = run(&w, &["status", "web", "-c", "web.yml", "-o", "json"])
        .ok()
        .json();
    assert_eq!(status[0]["url"], "https://www.example.com/");
    assert_eq!(status[0]["targets"], serde_json::json!([]));
    elb.register_targets()
        .target_group_arn(web_tg.target_group_arn().unwrap())
        .targets(
            aws_sdk_elasticloadbalancingv2::types::TargetDescription::builder()
                .id("10.0.10.99")
                .port(80)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let status = run(&w, &["status", "web", "-c", "web.yml", "-o", "json"])
        .ok()
        .json();
    assert_eq!(status[0]["targets"][0]["ip"], "10.0.10.99");
    assert_eq!(status[0]["targets"][0]["health"], "healthy");
    let text = run(&w, &["status", "web", "-c", "web.yml"]).ok();
    assert!(
        text.stdout.contains("URL: https://www.example.com/"),
        "{}",
        text.stdout
    );
    assert!(text.stdout.contains("10.0.10.99:80"), "{}", text.stdout);

    // Changing the policy: add-scaling-policy edits the config, apply puts it.
    run(
        &w,
        &[
            "add-scaling-policy",
            "web",
            "memory",
            "70",
            "2",
            "5",
            "-c",
            "web.yml",
        ],
    )
    .ok();
    let cfg = w.yaml("web.yml");
    assert_eq!(
        cfg["tasks"]["web"]["autoscaling"]["memory"].as_u64(),
        Some(70)
    );
    assert!(cfg["tasks"]["web"]["autoscaling"]["cpu"].is_null());
    let plan = w.run(&["plan", "-c", "web.yml"]).ok();
    assert!(
        plan.stdout.contains(
            "metric: ECSServiceAverageCPUUtilization -> ECSServiceAverageMemoryUtilization"
        ),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "web.yml", "--yes"]).ok();
    let policies = scaling
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id("service/web-demo-cluster/web")
        .send()
        .await
        .unwrap();
    let p = policies.scaling_policies()[0]
        .target_tracking_scaling_policy_configuration()
        .unwrap();
    assert_eq!(
        p.predefined_metric_specification()
            .unwrap()
            .predefined_metric_type()
            .as_str(),
        "ECSServiceAverageMemoryUtilization"
    );
    assert_eq!(p.target_value(), 70.0);
    // A bad one is refused, and the config is untouched.
    let before = w.read("web.yml");
    let bad = run(
        &w,
        &[
            "add-scaling-policy",
            "web",
            "requests",
            "0",
            "-c",
            "web.yml",
        ],
    );
    assert_eq!(bad.code, 2, "{}", bad.stderr);
    assert_eq!(w.read("web.yml"), before);

    // Scheduled actions: deleted by name (both halves), in AWS and the config.
    run(
        &w,
        &["delete-scheduled-action", "business-hours", "-c", "web.yml"],
    )
    .ok();
    let left = scaling
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    assert!(left.scheduled_actions().is_empty());
    assert!(
        w.yaml("web.yml")["tasks"]["web"]["autoscaling"]["scheduled"]["business-hours"].is_null()
    );
    run(
        &w,
        &[
            "add-scheduled-action",
            "web",
            "nights",
            "00:20",
            "00:06",
            "1-7",
            "2/1",
            "4/2",
            "-c",
            "web.yml",
        ],
    )
    .ok();
    w.run(&["apply", "-c", "web.yml", "--yes"]).ok();
    let names = action_names(&scaling).await;
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"web-demo-nights-out-schedule".to_string()));

    // A scheduled action of this stack that the config does not have is
    // listed for --prune, and deleted by it.
    scaling
        .put_scheduled_action()
        .service_namespace(ServiceNamespace::Ecs)
        .scheduled_action_name("web-demo-old-out-schedule")
        .resource_id("service/web-demo-cluster/web")
        .scalable_dimension(
            aws_sdk_applicationautoscaling::types::ScalableDimension::EcsServiceDesiredCount,
        )
        .schedule("cron(00 09 ? * 2 *)")
        .send()
        .await
        .unwrap();
    let plan = w.run(&["plan", "-c", "web.yml"]).ok();
    assert!(
        plan.stdout.contains("web-demo-old-out-schedule") && plan.stdout.contains("--prune"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "web.yml", "--prune", "--yes"]).ok();
    let names = action_names(&scaling).await;
    assert_eq!(names.len(), 2, "only the configured ones stay: {names:?}");
    assert!(!names.contains(&"web-demo-old-out-schedule".to_string()));

    // delete-scaling-policy on api (no schedules): policy and target go.
    run(&w, &["delete-scaling-policy", "api", "-c", "web.yml"]).ok();
    let gone = scaling
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_ids("service/web-demo-cluster/api")
        .send()
        .await
        .unwrap();
    assert!(gone.scalable_targets().is_empty());
    assert!(w.yaml("web.yml")["tasks"]["api"]["autoscaling"].is_null());
    moto.clear_calls();
    w.run(&["apply", "-c", "web.yml", "--yes"]).ok();
    moto.assert_no_mutations("an apply after the scaling commands");

    // destroy: all of it goes, the zone stays (it is the account's), and
    // nothing of the stack's is listed as kept.
    let destroyed = run(&w, &["destroy", "-c", "web.yml", "--yes"]).ok();
    assert!(!destroyed.stdout.contains(", kept"), "{}", destroyed.stdout);
    assert!(
        elb.describe_load_balancers()
            .load_balancer_arns(&alb_arn)
            .send()
            .await
            .is_err()
    );
    assert!(
        elb.describe_target_groups()
            .names("web-demo-web-tg")
            .send()
            .await
            .is_err()
    );
    for arn in [&web_cert, &api_cert] {
        assert!(
            acm.describe_certificate()
                .certificate_arn(arn)
                .send()
                .await
                .is_err()
        );
    }
    assert_eq!(alias_of(&moto, &zone_id, "www.example.com").await, None);
    assert!(
        waf.list_web_acls()
            .scope(aws_sdk_wafv2::types::Scope::Regional)
            .send()
            .await
            .unwrap()
            .web_acls()
            .is_empty()
    );
    assert!(
        ec2.describe_security_groups()
            .group_ids(&alb_sg)
            .send()
            .await
            .is_err()
    );
    let left = scaling
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Ecs)
        .send()
        .await
        .unwrap();
    assert!(left.scalable_targets().is_empty());
}

/// An ALB found in the VPC is used as it is: only our rule and our
/// certificate are added to it, and destroy leaves it (and its other
/// rules) as they were. The record goes in the zone with the longest
/// matching name.
#[tokio::test(flavor = "multi_thread")]
async fn an_existing_load_balancer_is_adopted_and_left_as_it_was() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    zone(&moto, "example.com", None).await;
    let shop_zone = zone(&moto, "shop.example.com", None).await;
    let sdk = moto.sdk().await;
    let acm = aws_sdk_acm::Client::new(&sdk);
    let elb = elb(&moto).await;
    let (theirs, sg) = their_load_balancer(
        &moto,
        &seed.vpc_id,
        "shared",
        aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::InternetFacing,
        &seed.public,
    )
    .await;
    let their_cert = acm
        .request_certificate()
        .domain_name("other.example.com")
        .send()
        .await
        .unwrap()
        .certificate_arn()
        .unwrap()
        .to_string();
    let listener = elb
        .create_listener()
        .load_balancer_arn(&theirs)
        .port(443)
        .protocol(ProtocolEnum::Https)
        .certificates(Certificate::builder().certificate_arn(&their_cert).build())
        .default_actions(not_found())
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .listener_arn()
        .unwrap()
        .to_string();
    elb.create_rule()
        .listener_arn(&listener)
        .priority(5)
        .conditions(
            RuleCondition::builder()
                .field("host-header")
                .values("other.example.com")
                .build(),
        )
        .actions(not_found())
        .send()
        .await
        .unwrap();

    let w = Workdir::new(Some(&moto));
    w.write(
        "shop.yml",
        "app:\n  name: shop\ntasks:\n  front:\n    type: https\n    image: helloworld\n    domain: app.shop.example.com\n    path: /store/*\n",
    );
    let applied = w.run(&["apply", "-c", "shop.yml", "--yes"]).ok();
    assert!(
        applied
            .stderr
            .contains("using the existing internet-facing load balancer shared"),
        "{}",
        applied.stderr
    );
    // No load balancer, no ALB security group of our own.
    let lbs = elb.describe_load_balancers().send().await.unwrap();
    assert_eq!(lbs.load_balancers().len(), 1);
    let lb = &lbs.load_balancers()[0];
    assert_eq!(lb.security_groups(), std::slice::from_ref(&sg));
    let cfg = w.yaml("shop.yml");
    assert_eq!(str_at(&cfg, &["alb", "arn"]), theirs);
    assert!(cfg["security_groups"]["alb"].is_null());
    // Their listener keeps its default certificate and action; ours is added for SNI.
    let l = elb
        .describe_listeners()
        .listener_arns(&listener)
        .send()
        .await
        .unwrap()
        .listeners()[0]
        .clone();
    assert_eq!(
        l.certificates()[0].certificate_arn(),
        Some(their_cert.as_str())
    );
    assert_eq!(
        l.default_actions()[0].r#type(),
        Some(&ActionTypeEnum::FixedResponse)
    );
    let our_cert = str_at(&cfg, &["tasks", "front", "certificate_arn"]).to_string();
    assert!(serves(&elb, &listener, &our_cert).await);
    // Their rule stays; ours is host + path, at another priority.
    let rules = elb
        .describe_rules()
        .listener_arn(&listener)
        .send()
        .await
        .unwrap();
    let priorities: Vec<&str> = rules
        .rules()
        .iter()
        .filter(|r| r.is_default() != Some(true))
        .filter_map(|r| r.priority())
        .collect();
    assert_eq!(priorities.len(), 2, "{priorities:?}");
    assert!(priorities.contains(&"5"));
    let ours = rules
        .rules()
        .iter()
        .find(|r| r.priority() != Some("5") && r.is_default() != Some(true))
        .unwrap();
    let fields: Vec<&str> = ours.conditions().iter().filter_map(|c| c.field()).collect();
    assert!(fields.contains(&"path-pattern"), "{fields:?}");
    // The record is in shop.example.com, the longest matching zone.
    assert!(
        alias_of(&moto, &shop_zone, "app.shop.example.com")
            .await
            .is_some()
    );
    assert_eq!(str_at(&cfg, &["route53", "zone_id"]), shop_zone);

    moto.clear_calls();
    w.run(&["apply", "-c", "shop.yml", "--yes"]).ok();
    moto.assert_no_mutations("a second apply on an adopted ALB");

    // destroy: ours goes, theirs stays as it was.
    let destroyed = w.run(&["destroy", "-c", "shop.yml", "--yes"]).ok();
    assert!(destroyed.stdout.contains("shared"), "{}", destroyed.stdout);
    let lbs = elb.describe_load_balancers().send().await.unwrap();
    assert_eq!(lbs.load_balancers().len(), 1);
    let rules = elb
        .describe_rules()
        .listener_arn(&listener)
        .send()
        .await
        .unwrap();
    let left: Vec<&str> = rules
        .rules()
        .iter()
        .filter(|r| r.is_default() != Some(true))
        .filter_map(|r| r.priority())
        .collect();
    assert_eq!(left, ["5"]);
    assert!(!serves(&elb, &listener, &our_cert).await);
    assert!(
        acm.describe_certificate()
            .certificate_arn(&their_cert)
            .send()
            .await
            .is_ok()
    );
    assert!(
        acm.describe_certificate()
            .certificate_arn(&our_cert)
            .send()
            .await
            .is_err()
    );

    // With two load balancers of the scheme in the VPC, the stack stops and
    // lists them with the fix.
    elb.create_load_balancer()
        .name("second")
        .scheme(aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::InternetFacing)
        .set_subnets(Some(seed.public.clone()))
        .send()
        .await
        .unwrap();
    let w2 = Workdir::new(Some(&moto));
    w2.write(
        "other.yml",
        "app:\n  name: other\ndomain: other.example.com\ntasks:\n  web:\n    type: https\n    image: helloworld\n",
    );
    let before = w2.read("other.yml");
    let refused = w2.run(&["plan", "-c", "other.yml"]);
    assert_eq!(refused.code, 2, "{}", refused.stderr);
    for needle in [
        "2 internet-facing load balancers",
        "shared",
        "second",
        "alb.arn",
        "--create-alb",
    ] {
        assert!(
            refused.stderr.contains(needle),
            "{needle}: {}",
            refused.stderr
        );
    }
    assert_eq!(w2.read("other.yml"), before);
    // --create-alb gives the stack its own.
    let plan = w2
        .run(&["plan", "-c", "other.yml", "--create-alb", "--no-update"])
        .ok();
    assert!(plan.stdout.contains("other-alb"), "{}", plan.stdout);
}

/// A certificate that stays pending stops apply with what to check, leaves
/// nothing a re-run cannot finish, and is not requested twice.
#[tokio::test(flavor = "multi_thread")]
async fn a_pending_certificate_times_out_clearly_and_a_rerun_finishes() {
    let moto = Moto::start();
    moto.seed("eligible");
    let zone_id = zone(&moto, "example.com", None).await;
    moto.acm_validation_wait(3600);
    let mut w = Workdir::new(Some(&moto));
    w.set_env("FARGATE_STACK_CERTIFICATE_WAIT", "2");
    w.write(
        "site.yml",
        "app:\n  name: site\ndomain: site.example.com\ntasks:\n  web:\n    type: https\n    image: helloworld\n",
    );
    let failed = w.run(&["apply", "-c", "site.yml", "--yes"]);
    assert_eq!(failed.code, 1, "{}", failed.stderr);
    for needle in [
        "still PENDING_VALIDATION",
        "NS records",
        "apply again",
        "FARGATE_STACK_CERTIFICATE_WAIT",
    ] {
        assert!(
            failed.stderr.contains(needle),
            "{needle}: {}",
            failed.stderr
        );
    }
    // The validation record is in the zone, and no HTTPS listener was made.
    let r53 = aws_sdk_route53::Client::new(&moto.sdk().await);
    let records = r53
        .list_resource_record_sets()
        .hosted_zone_id(&zone_id)
        .send()
        .await
        .unwrap();
    assert!(
        records
            .resource_record_sets()
            .iter()
            .any(|r| *r.r#type() == RrType::Cname && r.name().ends_with("site.example.com."))
    );
    let elb = elb(&moto).await;
    let alb = str_at(&w.yaml("site.yml"), &["alb", "arn"]).to_string();
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(&alb)
        .send()
        .await
        .unwrap();
    assert!(
        !listeners.listeners().iter().any(|l| l.port() == Some(443)),
        "no https listener before the certificate is issued"
    );

    // The plan shows what is left: the certificate's wait, the listener.
    let plan = w.run(&["plan", "-c", "site.yml"]).ok();
    for needle in [
        "~ acm certificate",
        "status: PENDING_VALIDATION -> ISSUED",
        "site-alb port 443",
    ] {
        assert!(plan.stdout.contains(needle), "{needle}: {}", plan.stdout);
    }
    moto.acm_validation_wait(0);
    w.run(&["apply", "-c", "site.yml", "--yes"]).ok();
    assert_eq!(moto.count("RequestCertificate"), 1, "requested once");
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(&alb)
        .send()
        .await
        .unwrap();
    assert!(listeners.listeners().iter().any(|l| l.port() == Some(443)));
    moto.clear_calls();
    w.run(&["apply", "-c", "site.yml", "--yes"]).ok();
    moto.assert_no_mutations("an apply after the certificate was issued");

    // ACM renews only while the validation record is there: an issued
    // certificate whose record was removed gets it back.
    let cname = || async {
        r53.list_resource_record_sets()
            .hosted_zone_id(&zone_id)
            .send()
            .await
            .unwrap()
            .resource_record_sets()
            .iter()
            .find(|r| *r.r#type() == RrType::Cname && r.name().ends_with("site.example.com."))
            .cloned()
    };
    let record = cname().await.expect("the validation record");
    change_record(
        &moto,
        &zone_id,
        aws_sdk_route53::types::ChangeAction::Delete,
        record,
    )
    .await;
    let plan = w.run(&["plan", "-c", "site.yml"]).ok();
    assert!(
        plan.stdout
            .contains("validation_record: missing -> in the zone"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "site.yml", "--yes"]).ok();
    assert!(cname().await.is_some(), "the validation record is back");
    moto.clear_calls();
    w.run(&["apply", "-c", "site.yml", "--yes"]).ok();
    moto.assert_no_mutations("an apply after the record was restored");
}

/// The original's own http/https examples plan and apply unchanged, given
/// the zones they need (its multi-task example records its own account).
#[tokio::test(flavor = "multi_thread")]
async fn the_original_web_examples_apply_unchanged() {
    for (file, alb, scheme) in [
        ("minimal-http.yml", "http-test-alb", "internal"),
        ("minimal-https.yml", "https-test-alb", "internet-facing"),
        ("multi-tasks.yml", "multi-stack-alb", "internal"),
    ] {
        // Each in an account of its own (two use the same task name).
        let moto = Moto::start_with(&[("MOTO_ACCOUNT_ID", "311974035819")]);
        let seed = moto.seed("eligible");
        push_image(&moto, "http-test", 'a').await;
        zone(&moto, "example.com", None).await;
        zone(&moto, "example.com", Some(&seed.vpc_id)).await;
        zone(&moto, "treasurersbriefcase.com", Some(&seed.vpc_id)).await;
        let w = Workdir::new(Some(&moto));
        let text =
            std::fs::read_to_string(repo_root().join("tests/data/original").join(file)).unwrap();
        w.write(file, &text);
        w.run(&["plan", "-c", file]).ok();
        w.run(&["apply", "-c", file, "--yes"]).ok();
        let lb = elb(&moto)
            .await
            .describe_load_balancers()
            .names(alb)
            .send()
            .await
            .unwrap();
        assert_eq!(
            lb.load_balancers()[0].scheme().unwrap().as_str(),
            scheme,
            "{file}"
        );
        moto.clear_calls();
        w.run(&["apply", "-c", file, "--yes"]).ok();
        moto.assert_no_mutations(file);
    }
}

#[test]
fn web_config_mistakes_fail_before_any_call() {
    let w = Workdir::new(None);
    let cases = [
        (
            "app:\n  name: a\ntasks:\n  web:\n    type: https\n    image: x\n",
            "`tasks.web.domain`",
            "add `domain:",
        ),
        (
            "app:\n  name: a\ndomain: not a domain\ntasks:\n  web:\n    type: https\n    image: x\n",
            "`domain`",
            "fully qualified name",
        ),
        (
            "app:\n  name: a\ndomain: a.example.com\ntasks:\n  web:\n    type: https\n    image: x\n  api:\n    type: http\n    image: x\n    domain: b.example.com\n",
            "`tasks.api.type`",
            "every web service",
        ),
        (
            "app:\n  name: a\ndomain: a.example.com\ntasks:\n  web:\n    type: https\n    image: x\n    autoscaling:\n      cpu: 50\n      requests: 10\n",
            "`tasks.web.autoscaling.cpu`",
            "keep one metric",
        ),
        (
            "app:\n  name: a\ntasks:\n  worker:\n    type: daemon\n    image: x\n    autoscaling:\n      requests: 10\n",
            "`tasks.worker.autoscaling.requests`",
            "track `cpu` or `memory`",
        ),
        (
            "app:\n  name: a\ndomain: a.example.com\ntasks:\n  web:\n    type: https\n    image: x\n    autoscaling:\n      scheduled:\n        day:\n          start_time: '08:30'\n          end_time: '00:18'\n          days: MON-FRI\n          min_capacity: 2/1\n          max_capacity: 4/1\n",
            "`tasks.web.autoscaling.scheduled.day.start_time`",
            "MM:HH",
        ),
        (
            "app:\n  name: a\ndomain: a.example.com\nalb:\n  waf:\n    managed_rules: [nope]\ntasks:\n  web:\n    type: https\n    image: x\n",
            "`alb.waf.managed_rules`",
            "AWSManagedRules",
        ),
        (
            "app:\n  name: a\ndomain: a.example.com\ntasks:\n  web:\n    type: https\n    image: x\n  api:\n    type: https\n    image: x\n",
            "`tasks.api.path`",
            "own `domain:`",
        ),
    ];
    for (i, (text, key, hint)) in cases.iter().enumerate() {
        let file = format!("web{i}.yml");
        w.write(&file, text);
        let run = w.run(&["plan", "-c", &file, "--log-level", "error"]);
        assert_eq!(run.code, 2, "{file}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{file}: {}", run.stderr);
        assert!(run.stderr.contains(key), "{file}: {key}: {}", run.stderr);
        assert!(run.stderr.contains(hint), "{file}: {hint}: {}", run.stderr);
        assert_eq!(w.read(&file), *text);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn list_zones_shows_the_zone_and_its_parents() {
    let moto = Moto::start();
    let parent = zone(&moto, "example.com", None).await;
    let child = zone(&moto, "shop.example.com", None).await;
    zone(&moto, "elsewhere.org", None).await;
    let w = Workdir::new(Some(&moto));
    let out = w
        .run(&["list-zones", "www.shop.example.com", "-o", "json"])
        .ok()
        .json();
    let ids: Vec<&str> = out
        .as_array()
        .unwrap()
        .iter()
        .map(|z| z["zone_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 2, "{out}");
    assert!(ids.contains(&parent.as_str()) && ids.contains(&child.as_str()));
}

/// A domain whose record already exists and points elsewhere is never
/// overwritten: plan shows a conflict (exit 2), apply refuses even with
/// --force; with `route53.adopt: true` it is taken over (shown as such),
/// and destroy leaves it.
#[tokio::test(flavor = "multi_thread")]
async fn an_existing_dns_record_is_not_overwritten_unless_adopted() {
    use aws_sdk_route53::types::{ChangeAction, ResourceRecord, ResourceRecordSet};
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    push_image(&moto, "http-test", 'a').await;
    let zones = [
        zone(&moto, "example.com", None).await,
        zone(&moto, "example.com", Some(&seed.vpc_id)).await,
    ];
    for z in &zones {
        let record = ResourceRecordSet::builder()
            .name("http-test.example.com")
            .r#type(RrType::A)
            .ttl(60)
            .resource_records(
                ResourceRecord::builder()
                    .value("192.0.2.7")
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap();
        change_record(&moto, z, ChangeAction::Create, record).await;
    }
    let (w, text) = original_http(&moto);

    assert_refused(
        &w,
        &moto,
        "http.yml",
        &[
            "dns record `http-test.example.com` already exists",
            "route53.adopt: true",
        ],
    );
    let refused = w.run(&["apply", "-c", "http.yml", "--force"]);
    assert_eq!(
        refused.code, 2,
        "--force does not override: {}",
        refused.stderr
    );
    for z in &zones {
        assert_eq!(
            alias_of(&moto, z, "http-test.example.com").await,
            None,
            "untouched"
        );
    }

    // Adopted: taken over, shown as such, pointed at the load balancer.
    w.write("http.yml", &format!("{text}route53:\n  adopt: true\n"));
    let plan = w.run(&["plan", "-c", "http.yml", "--no-color"]).ok();
    assert!(
        plan.stdout
            .contains("http-test.example.com (taken over from its owner)"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "http.yml", "--yes"]).ok();
    let pointed: Vec<Option<String>> = futures::future::join_all(
        zones
            .iter()
            .map(|z| alias_of(&moto, z, "http-test.example.com")),
    )
    .await;
    assert!(
        pointed
            .iter()
            .any(|a| a.as_deref().is_some_and(|a| a.contains("http-test-alb"))),
        "{pointed:?}"
    );
    // Destroy leaves the adopted record.
    let destroyed = w.run(&["destroy", "-c", "http.yml", "--yes"]).ok();
    assert!(
        destroyed.stdout.contains("http-test.example.com"),
        "{}",
        destroyed.stdout
    );
    let after: Vec<Option<String>> = futures::future::join_all(
        zones
            .iter()
            .map(|z| alias_of(&moto, z, "http-test.example.com")),
    )
    .await;
    assert_eq!(pointed, after, "destroy left the adopted record");
}

/// "The only load balancer in the VPC" is used as the original did, but
/// not when App::FargateStack's tag and its name say it is another app's:
/// that is refused with the fix, and naming it with `alb.arn` shares it.
#[tokio::test(flavor = "multi_thread")]
async fn another_apps_only_load_balancer_is_not_taken_silently() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    zone(&moto, "example.com", Some(&seed.vpc_id)).await;
    push_image(&moto, "http-test", 'a').await;
    let elb = elb(&moto).await;
    let sg = security_group(&moto, &seed.vpc_id, "shop-alb-sg").await;
    let theirs = elb
        .create_load_balancer()
        .name("shop-alb")
        .scheme(aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::Internal)
        .set_subnets(Some(seed.private.clone()))
        .security_groups(&sg)
        .tags(
            aws_sdk_elasticloadbalancingv2::types::Tag::builder()
                .key("CreatedBy")
                .value("FargateStack")
                .build(),
        )
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .load_balancer_arn()
        .unwrap()
        .to_string();
    elb.create_listener()
        .load_balancer_arn(&theirs)
        .port(80)
        .protocol(ProtocolEnum::Http)
        .default_actions(not_found())
        .send()
        .await
        .unwrap();
    let (w, text) = original_http(&moto);
    moto.clear_calls();
    let named = format!("alb.arn: {theirs}");
    assert_refused(
        &w,
        &moto,
        "http.yml",
        &[
            "shop-alb",
            "was made by App::FargateStack for another app",
            "alb.create: true",
            &named,
        ],
    );

    // Named, it is shared deliberately: used, never deleted.
    w.write("http.yml", &format!("{text}alb:\n  arn: {theirs}\n"));
    w.run(&["apply", "-c", "http.yml", "--yes"]).ok();
    w.run(&["destroy", "-c", "http.yml", "--yes"]).ok();
    let left = elb
        .describe_load_balancers()
        .load_balancer_arns(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(
        left.load_balancers().len(),
        1,
        "the shared load balancer stays"
    );
}

/// The stack's own load balancer, changed by hand: its security groups are
/// set back in place (an update the plan shows), and a scheme the config no
/// longer matches is an error that says which scheme it has and which the
/// config asks for, never a scheme error for what is a group change.
#[tokio::test(flavor = "multi_thread")]
async fn the_stacks_load_balancer_is_put_back_and_its_errors_say_what_differs() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    zone(&moto, "example.com", Some(&seed.vpc_id)).await;
    zone(&moto, "example.com", None).await;
    let w = Workdir::new(Some(&moto));
    w.write(
        "inside.yml",
        "app:\n  name: inside\ntasks:\n  api:\n    type: http\n    image: helloworld\n    domain: api.example.com\n",
    );
    w.run(&["apply", "-c", "inside.yml", "--yes"]).ok();
    let elb = elb(&moto).await;
    let lb = elb
        .describe_load_balancers()
        .names("inside-alb")
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .clone();
    let ours = lb.security_groups().to_vec();
    let stray = security_group(&moto, &seed.vpc_id, "stray").await;
    elb.set_security_groups()
        .load_balancer_arn(lb.load_balancer_arn().unwrap())
        .security_groups(&stray)
        .send()
        .await
        .unwrap();

    let plan = w.run(&["plan", "-c", "inside.yml", "--no-color"]).ok();
    assert!(
        plan.stdout.contains("~ load balancer") && plan.stdout.contains(&stray),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "inside.yml", "--yes"]).ok();
    let now = elb
        .describe_load_balancers()
        .names("inside-alb")
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .security_groups()
        .to_vec();
    assert_eq!(now, ours);
    moto.clear_calls();
    w.run(&["apply", "-c", "inside.yml", "--yes"]).ok();
    moto.assert_no_mutations("after the groups were put back");

    // Asking for the other scheme: the error names both.
    let text = w.read("inside.yml");
    assert!(text.contains("\nalb:\n"), "{text}");
    // (A public load balancer answers in the public zone: the recorded
    // private one goes.)
    let text: String = text
        .replacen("\nalb:\n", "\nalb:\n  type: public\n", 1)
        .lines()
        .filter(|l| !l.trim_start().starts_with("zone_id:"))
        .map(|l| format!("{l}\n"))
        .collect();
    w.write("inside.yml", &text);
    let run = w.run(&["apply", "-c", "inside.yml", "--yes"]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stderr
            .contains("load balancer inside-alb is internal; the config asks for internet-facing")
            && run.stderr.contains("`alb.type: private` to keep it")
            && !run.stderr.contains("groups"),
        "{}",
        run.stderr
    );
}

/// Public subnets in two zones and private ones in three: the services run
/// only in the two zones the load balancer serves (AWS sends no traffic to
/// a target elsewhere), and the plan says which subnet is left out and why;
/// once a public subnet exists in the third zone, the stack's own load
/// balancer is given it.
#[tokio::test(flavor = "multi_thread")]
async fn web_services_run_only_where_the_load_balancer_serves() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    zone(&moto, "example.com", None).await;
    let private_c = subnet_in(&moto, &seed.vpc_id, "12", "us-east-1c").await;
    let w = Workdir::new(Some(&moto));
    w.write(
        "zones.yml",
        "app:\n  name: zones\ntasks:\n  web:\n    type: https\n    image: helloworld\n    domain: www.example.com\n",
    );
    let plan = w.run(&["plan", "-c", "zones.yml", "--no-color"]).ok();
    assert!(
        plan.stdout.contains(&format!(
            "zones                 web services do not run in {private_c} (us-east-1c): the load balancer serves us-east-1a, us-east-1b"
        )) && plan.stdout.contains("add a public subnet in us-east-1c to use it"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "zones.yml", "--yes"]).ok();
    w.run(&["create-service", "web", "-c", "zones.yml"]).ok();
    assert_eq!(
        service_subnets(&moto, "zones-cluster", "web").await,
        sorted(seed.private.clone()),
        "never {private_c}"
    );

    // A public subnet in the third zone: the load balancer is given it.
    let public_c = subnet_in(&moto, &seed.vpc_id, "13", "us-east-1c").await;
    let ec2 = aws_sdk_ec2::Client::new(&moto.sdk().await);
    let public_table = ec2
        .describe_route_tables()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("association.subnet-id")
                .values(&seed.public[0])
                .build(),
        )
        .send()
        .await
        .unwrap()
        .route_tables()[0]
        .route_table_id()
        .unwrap()
        .to_string();
    ec2.associate_route_table()
        .route_table_id(&public_table)
        .subnet_id(&public_c)
        .send()
        .await
        .unwrap();
    let plan = w
        .run(&["plan", "-c", "zones.yml", "--no-cache", "--no-color"])
        .ok();
    assert!(
        plan.stdout.contains("~ load balancer") && plan.stdout.contains(&public_c),
        "{}",
        plan.stdout
    );
    assert!(
        !plan.stdout.contains("web services do not run"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "zones.yml", "--yes", "--no-cache"])
        .ok();
    let zones: Vec<String> = elb(&moto)
        .await
        .describe_load_balancers()
        .names("zones-alb")
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .availability_zones()
        .iter()
        .filter_map(|z| z.zone_name().map(str::to_string))
        .collect();
    assert!(zones.contains(&"us-east-1c".to_string()), "{zones:?}");
    moto.clear_calls();
    w.run(&["apply", "-c", "zones.yml", "--yes", "--no-cache"])
        .ok();
    moto.assert_no_mutations("once the load balancer serves every zone");
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

/// The subnets an ECS service runs in, sorted.
async fn service_subnets(moto: &Moto, cluster: &str, service: &str) -> Vec<String> {
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let svc = ecs
        .describe_services()
        .cluster(cluster)
        .services(service)
        .send()
        .await
        .unwrap()
        .services()[0]
        .clone();
    sorted(
        svc.network_configuration()
            .unwrap()
            .awsvpc_configuration()
            .unwrap()
            .subnets()
            .to_vec(),
    )
}

/// An adopted load balancer's zones are its own: `create-service` leaves out
/// the subnets in other zones, and `verify` fails a service that runs there
/// anyway (its tasks there would get no traffic).
#[tokio::test(flavor = "multi_thread")]
async fn verify_checks_an_adopted_load_balancers_zones() {
    let moto = Moto::start();
    let seed = moto.seed("eligible");
    zone(&moto, "example.com", Some(&seed.vpc_id)).await;
    let private_c = subnet_in(&moto, &seed.vpc_id, "12", "us-east-1c").await;
    let (theirs, their_group) = their_load_balancer(
        &moto,
        &seed.vpc_id,
        "inner",
        aws_sdk_elasticloadbalancingv2::types::LoadBalancerSchemeEnum::Internal,
        &seed.private,
    )
    .await;
    elb(&moto)
        .await
        .create_listener()
        .load_balancer_arn(&theirs)
        .port(80)
        .protocol(ProtocolEnum::Http)
        .default_actions(not_found())
        .send()
        .await
        .unwrap();
    let w = Workdir::new(Some(&moto));
    w.write(
        "inner.yml",
        &format!(
            "app:\n  name: inner\nalb:\n  arn: {theirs}\ntasks:\n  api:\n    type: http\n    image: helloworld\n    domain: api.example.com\n"
        ),
    );
    let plan = w.run(&["plan", "-c", "inner.yml", "--no-color"]).ok();
    assert!(
        plan.stdout.contains(&format!(
            "web services do not run in {private_c} (us-east-1c)"
        )) && plan
            .stdout
            .contains("give the load balancer a subnet in us-east-1c to use it"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "inner.yml", "--yes"]).ok();
    w.run(&["create-service", "api", "-c", "inner.yml"]).ok();
    assert_eq!(
        service_subnets(&moto, "inner-cluster", "api").await,
        sorted(seed.private.clone())
    );
    let verify = w.run(&["verify", "-c", "inner.yml", "--no-color"]);
    assert_eq!(verify.code, 0, "{}\n{}", verify.stdout, verify.stderr);
    assert!(
        verify
            .stdout
            .contains("service api runs in zones inner serves"),
        "{}",
        verify.stdout
    );

    // Someone moves the service into the third zone.
    let mut subnets = seed.private.clone();
    subnets.push(private_c.clone());
    aws_sdk_ecs::Client::new(&moto.sdk().await)
        .update_service()
        .cluster("inner-cluster")
        .service("api")
        .network_configuration(awsvpc(subnets, &[]))
        .send()
        .await
        .unwrap();
    let verify = w.run(&["verify", "-c", "inner.yml", "--no-color"]);
    assert_eq!(verify.code, 1, "{}", verify.stdout);
    assert!(
        verify.stdout.contains(&format!(
            "service api runs in {private_c} (us-east-1c), which inner"
        )),
        "{}",
        verify.stdout
    );

    // destroy leaves the load balancer named by `alb.arn` as it was: its
    // own group, its one listener, none of our rules.
    w.run(&["destroy", "-c", "inner.yml", "--yes"]).ok();
    let elb = elb(&moto).await;
    let lb = elb
        .describe_load_balancers()
        .load_balancer_arns(&theirs)
        .send()
        .await
        .unwrap()
        .load_balancers()[0]
        .clone();
    assert_eq!(lb.security_groups(), std::slice::from_ref(&their_group));
    let listeners = elb
        .describe_listeners()
        .load_balancer_arn(&theirs)
        .send()
        .await
        .unwrap();
    assert_eq!(listeners.listeners().len(), 1);
    let rules = elb
        .describe_rules()
        .listener_arn(listeners.listeners()[0].listener_arn().unwrap())
        .send()
        .await
        .unwrap();
    assert!(
        rules.rules().iter().all(|r| r.is_default() == Some(true)),
        "{:?}",
        rules.rules()
    );
}

const CANARY: &str = "app:
  name: bg
domain: www.example.com
tasks:
  web:
    type: https
    image: helloworld
    port: 80
    health_check:
      path: /
    deployment:
      strategy: canary
      canary_percent: 10
      canary_minutes: 5
      bake_minutes: 15
      alarms: [bg-5xx]
";

/// The rule's target groups and their weights.
async fn rule_weights(
    elb: &aws_sdk_elasticloadbalancingv2::Client,
    rule: &str,
) -> Vec<(String, i32)> {
    let out = elb.describe_rules().rule_arns(rule).send().await.unwrap();
    let action = &out.rules()[0].actions()[0];
    action
        .forward_config()
        .map(|f| {
            f.target_groups()
                .iter()
                .map(|t| {
                    (
                        t.target_group_arn().unwrap().to_string(),
                        t.weight().unwrap_or(1),
                    )
                })
                .collect()
        })
        .unwrap_or_else(|| vec![(action.target_group_arn().unwrap().to_string(), 1)])
}

/// A canary deployment with ECS's own strategy: the alternate target group,
/// a rule that forwards to both, a least-privilege role for ECS to move the
/// traffic, and the service created with them. ECS's moving the traffic is
/// not a change to undo; switching strategies is an update-service; going
/// back to rolling while the traffic is on the alternate group is refused.
#[tokio::test(flavor = "multi_thread")]
async fn a_canary_deployment_uses_ecs_strategies_and_its_own_target_groups() {
    let moto = Moto::start();
    moto.seed("eligible");
    zone(&moto, "example.com", None).await;
    let w = Workdir::new(Some(&moto));
    w.write("bg.yml", CANARY);
    w.run(&["apply", "-c", "bg.yml", "--yes"]).ok();
    let cfg = w.yaml("bg.yml");
    let primary = str_at(&cfg, &["tasks", "web", "target_group_arn"]).to_string();
    let alternate = str_at(
        &cfg,
        &["tasks", "web", "deployment", "alternate_target_group_arn"],
    )
    .to_string();
    let rule = str_at(&cfg, &["tasks", "web", "deployment", "listener_rule_arn"]).to_string();
    let role = str_at(&cfg, &["deploy_role", "arn"]).to_string();
    assert!(alternate.contains("/bg-alt/"), "{alternate}");
    let elb = elb(&moto).await;
    assert_eq!(
        rule_weights(&elb, &rule).await,
        [(primary.clone(), 100), (alternate.clone(), 0)]
    );
    // ECS may move traffic on these only.
    let iam = aws_sdk_iam::Client::new(&moto.sdk().await);
    let policy = role_policy(&iam, "FargateBgDeployRole", "FargateBgDeployPolicy").await;
    let statements = policy["Statement"].as_array().unwrap();
    let resources = |sid: &str| -> Vec<String> {
        let s = statements.iter().find(|s| s["Sid"] == sid).unwrap();
        s["Resource"]
            .as_array()
            .map(|a| a.iter().map(|r| r.as_str().unwrap().to_string()).collect())
            .unwrap_or_else(|| vec![s["Resource"].as_str().unwrap().to_string()])
    };
    let test_rule = str_at(
        &cfg,
        &["tasks", "web", "deployment", "test_listener_rule_arn"],
    )
    .to_string();
    assert_eq!(
        sorted(resources("MoveTraffic")),
        sorted(vec![rule.clone(), test_rule.clone()])
    );
    // The test rule: the same route with the test header, ahead of production.
    let both = elb
        .describe_rules()
        .rule_arns(&rule)
        .rule_arns(&test_rule)
        .send()
        .await
        .unwrap();
    let priority = |arn: &str| -> u64 {
        both.rules()
            .iter()
            .find(|r| r.rule_arn() == Some(arn))
            .unwrap()
            .priority()
            .unwrap()
            .parse()
            .unwrap()
    };
    assert!(priority(&test_rule) < priority(&rule));
    let header = both
        .rules()
        .iter()
        .find(|r| r.rule_arn() == Some(test_rule.as_str()))
        .unwrap()
        .conditions()
        .iter()
        .find_map(|c| c.http_header_config())
        .unwrap()
        .http_header_name()
        .unwrap()
        .to_string();
    assert_eq!(header, "X-Fargate-Stack-Test");
    assert!(resources("MoveListenerTraffic")[0].contains(":listener/app/bg-alb/"));
    assert_eq!(
        sorted(resources("RegisterTargets")),
        sorted(vec![primary.clone(), alternate.clone()])
    );

    run(&w, &["create-service", "-c", "bg.yml", "web"]).ok();
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    let service = |ecs: aws_sdk_ecs::Client| async move {
        ecs.describe_services()
            .cluster("bg-cluster")
            .services("web")
            .send()
            .await
            .unwrap()
            .services()[0]
            .clone()
    };
    let svc = service(ecs.clone()).await;
    let d = svc.deployment_configuration().unwrap();
    assert_eq!(d.strategy().map(|s| s.as_str()), Some("CANARY"));
    // The wait follows ECS's stages; an alarm that fires rolls it back.
    let staged = run(&w, &["redeploy", "-c", "bg.yml", "web"]).ok();
    for stage in [
        "canary stage TEST_TRAFFIC_SHIFT",
        "canary stage PRODUCTION_TRAFFIC_SHIFT",
        "canary stage BAKE_TIME",
    ] {
        assert!(staged.stderr.contains(stage), "{stage}:\n{}", staged.stderr);
    }
    let deployed = run(
        &w,
        &[
            "redeploy",
            "-c",
            "bg.yml",
            "web",
            "--wait-until",
            "deployed",
        ],
    )
    .ok();
    assert!(
        !deployed.stderr.contains("stage CLEAN_UP"),
        "{}",
        deployed.stderr
    );
    moto.outcome(serde_json::json!({"service": "web", "rollout": "alarm", "alarm": "bg-5xx"}));
    let rolled_back = run(&w, &["redeploy", "-c", "bg.yml", "web"]);
    assert_eq!(rolled_back.code, 1, "{}", rolled_back.stderr);
    assert!(
        rolled_back.stderr.contains("alarm: bg-5xx"),
        "{}",
        rolled_back.stderr
    );
    moto.outcome(serde_json::json!({"service": "web", "rollout": "stable"}));
    assert_eq!(d.bake_time_in_minutes(), Some(15));
    let canary = d.canary_configuration().unwrap();
    assert_eq!(
        (
            canary.canary_percent(),
            canary.canary_bake_time_in_minutes()
        ),
        (Some(10.0), Some(5))
    );
    let alarms = d.alarms().unwrap();
    assert_eq!(alarms.alarm_names(), ["bg-5xx"]);
    assert!(alarms.enable() && alarms.rollback());
    let advanced = svc.load_balancers()[0].advanced_configuration().unwrap();
    assert_eq!(
        advanced.alternate_target_group_arn(),
        Some(alternate.as_str())
    );
    assert_eq!(advanced.production_listener_rule(), Some(rule.as_str()));
    assert_eq!(advanced.role_arn(), Some(role.as_str()));
    assert_eq!(advanced.test_listener_rule(), Some(test_rule.as_str()));

    // ECS moved the traffic to the new revision's group: nothing to undo.
    let shift = |to_alternate: bool| {
        let (elb, rule, primary, alternate) = (
            elb.clone(),
            rule.clone(),
            primary.clone(),
            alternate.clone(),
        );
        async move {
            use aws_sdk_elasticloadbalancingv2::types::{ForwardActionConfig, TargetGroupTuple};
            let weight = |alt: bool| if alt == to_alternate { 100 } else { 0 };
            elb.modify_rule()
                .rule_arn(&rule)
                .actions(
                    Action::builder()
                        .r#type(ActionTypeEnum::Forward)
                        .forward_config(
                            ForwardActionConfig::builder()
                                .target_groups(
                                    TargetGroupTuple::builder()
                                        .target_group_arn(&primary)
                                        .weight(weight(false))
                                        .build(),
                                )
                                .target_groups(
                                    TargetGroupTuple::builder()
                                        .target_group_arn(&alternate)
                                        .weight(weight(true))
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .send()
                .await
                .unwrap();
        }
    };
    shift(true).await;
    moto.clear_calls();
    let plan = w.run(&["plan", "-c", "bg.yml"]).ok();
    assert!(plan.stdout.contains("No changes."), "{}", plan.stdout);
    moto.assert_no_mutations("a plan after ECS moved the traffic");
    let status = w.run(&["status", "-c", "bg.yml", "web"]).ok();
    assert!(
        status
            .stdout
            .contains("deployment: canary (10.0% for 5 min), bake 15 min, rolled back on bg-5xx"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains("traffic: bg-tg 0%, bg-alt 100%"),
        "{}",
        status.stdout
    );

    // Another strategy is an update-service, which says what changes.
    let linear = CANARY.replace(
        "      strategy: canary\n      canary_percent: 10\n      canary_minutes: 5\n",
        "      strategy: linear\n      step_percent: 20\n      step_minutes: 3\n",
    );
    let written = w.read("bg.yml").replace(
        "  strategy: canary\n      canary_percent: 10\n      canary_minutes: 5\n",
        "  strategy: linear\n      step_percent: 20\n      step_minutes: 3\n",
    );
    assert_ne!(written, w.read("bg.yml"), "{linear}");
    w.write("bg.yml", &written);
    let update = run(&w, &["update-service", "-c", "bg.yml", "web"]).ok();
    assert!(
        update.stdout.contains("deployment: canary (10.0% for 5 min), bake 15 min, rolled back on bg-5xx -> linear (20.0% every 3 min), bake 15 min, rolled back on bg-5xx"),
        "{}",
        update.stdout
    );
    let svc = service(ecs.clone()).await;
    let d = svc.deployment_configuration().unwrap();
    assert_eq!(d.strategy().map(|s| s.as_str()), Some("LINEAR"));
    assert_eq!(d.linear_configuration().unwrap().step_percent(), Some(20.0));

    // Back to rolling while the traffic is on the alternate group: refused.
    let rolling = w
        .read("bg.yml")
        .replace("strategy: linear", "strategy: rolling")
        .replace(
            "      step_percent: 20\n      step_minutes: 3\n      bake_minutes: 15\n",
            "",
        );
    w.write("bg.yml", &rolling);
    let refused = w.run(&["plan", "-c", "bg.yml"]);
    assert_eq!(refused.code, 2, "{}{}", refused.stdout, refused.stderr);
    assert!(
        refused
            .stderr
            .contains("ECS's last deployment moved it there"),
        "{}",
        refused.stderr
    );
    // Once it is back on the service's own group, the switch goes through.
    shift(false).await;
    w.run(&["apply", "-c", "bg.yml", "--yes", "--prune"]).ok();
    assert_eq!(rule_weights(&elb, &rule).await, [(primary.clone(), 1)]);
    run(&w, &["update-service", "-c", "bg.yml", "web"]).ok();
    let svc = service(ecs.clone()).await;
    assert_eq!(
        svc.deployment_configuration()
            .unwrap()
            .strategy()
            .map(|s| s.as_str()),
        Some("ROLLING")
    );
    moto.clear_calls();
    w.run(&["apply", "-c", "bg.yml", "--yes"]).ok();
    moto.assert_no_mutations("a second apply after going back to rolling");
}

/// Alarms the stack makes for a service's deployments, beside an existing
/// one named in the config.
fn alarmed() -> String {
    CANARY.replace(
        "      alarms: [bg-5xx]\n",
        "      alarms:\n        - checkout-latency\n        - http_5xx_percent: 5\n        - unhealthy_hosts: 1\n          minutes: 3\n",
    )
}

/// The alarm's threshold, periods, the target groups its metrics read (in
/// order) and its tags.
async fn alarm(
    cw: &aws_sdk_cloudwatch::Client,
    name: &str,
) -> Option<(f64, i32, Vec<String>, Vec<(String, String)>)> {
    let out = cw.describe_alarms().alarm_names(name).send().await.unwrap();
    let a = out.metric_alarms().first()?;
    let mut groups: Vec<String> = Vec::new();
    for q in a.metrics() {
        let Some(metric) = q.metric_stat().and_then(|s| s.metric()) else {
            continue;
        };
        for d in metric.dimensions() {
            if d.name() == Some("TargetGroup")
                && !groups.iter().any(|g| Some(g.as_str()) == d.value())
            {
                groups.push(d.value().unwrap().to_string());
            }
        }
    }
    let tags = cw
        .list_tags_for_resource()
        .resource_arn(a.alarm_arn().unwrap())
        .send()
        .await
        .unwrap();
    let tags = tags
        .tags()
        .iter()
        .map(|t| (t.key().unwrap().to_string(), t.value().unwrap().to_string()))
        .collect();
    Some((
        a.threshold().unwrap(),
        a.evaluation_periods().unwrap(),
        groups,
        tags,
    ))
}

#[tokio::test(flavor = "multi_thread")]
async fn generated_alarms_watch_both_target_groups_and_go_with_the_stack() {
    let moto = Moto::start();
    moto.seed("eligible");
    zone(&moto, "example.com", None).await;
    let w = Workdir::new(Some(&moto));
    let alarmed = alarmed();
    assert_ne!(alarmed, CANARY);
    w.write("bg.yml", &alarmed);
    let plan = w.run(&["plan", "-c", "bg.yml"]).ok();
    assert!(
        plan.stdout.contains("+ cloudwatch alarm")
            && plan.stdout.contains("bg-web-http-5xx-percent"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "bg.yml", "--yes"]).ok();
    let cfg = w.yaml("bg.yml");
    let group = |path: &[&str]| {
        let arn = str_at(&cfg, path);
        arn.rsplit_once(':').unwrap().1.to_string()
    };
    let primary = group(&["tasks", "web", "target_group_arn"]);
    let alternate = group(&["tasks", "web", "deployment", "alternate_target_group_arn"]);
    let cw = aws_sdk_cloudwatch::Client::new(&moto.sdk().await);
    let (threshold, periods, groups, tags) = alarm(&cw, "bg-web-http-5xx-percent").await.unwrap();
    assert_eq!((threshold, periods), (5.0, 2));
    assert_eq!(groups, [primary.clone(), alternate.clone()]);
    assert!(
        tags.contains(&("fargate-stack:app".to_string(), "bg".to_string())),
        "{tags:?}"
    );
    let (threshold, periods, groups, _) = alarm(&cw, "bg-web-unhealthy-hosts").await.unwrap();
    assert_eq!((threshold, periods), (1.0, 3));
    assert_eq!(groups, [primary.clone(), alternate.clone()]);
    moto.clear_calls();
    w.run(&["apply", "-c", "bg.yml", "--yes"]).ok();
    moto.assert_no_mutations("a second apply with generated alarms");

    // verify: a named alarm that does not exist protects nothing.
    let verify = w.run(&["verify", "-c", "bg.yml"]);
    assert_eq!(verify.code, 1, "{}", verify.stdout);
    assert!(
        verify.stdout.contains(
            "checkout-latency does not exist, so web's deployments cannot roll back on it"
        ),
        "{}",
        verify.stdout
    );
    assert!(
        verify.stdout.contains("bg-web-unhealthy-hosts exists"),
        "{}",
        verify.stdout
    );

    // ECS rolls back on the existing alarm and on both generated ones.
    run(&w, &["create-service", "-c", "bg.yml", "web"]).ok();
    let ecs = aws_sdk_ecs::Client::new(&moto.sdk().await);
    // The alarms ECS watches for the service, with rollback on.
    let names = |ecs: aws_sdk_ecs::Client| async move {
        let out = ecs
            .describe_services()
            .cluster("bg-cluster")
            .services("web")
            .send()
            .await
            .unwrap();
        let alarms = out.services()[0]
            .deployment_configuration()
            .and_then(|d| d.alarms())
            .cloned();
        alarms
            .filter(|a| a.enable() && a.rollback())
            .map(|a| a.alarm_names().to_vec())
            .unwrap_or_default()
    };
    assert_eq!(
        names(ecs.clone()).await,
        [
            "checkout-latency",
            "bg-web-http-5xx-percent",
            "bg-web-unhealthy-hosts"
        ]
    );

    // A new threshold is the same alarm, put again.
    w.write(
        "bg.yml",
        &w.read("bg.yml")
            .replace("http_5xx_percent: 5", "http_5xx_percent: 2.5"),
    );
    let plan = w.run(&["plan", "-c", "bg.yml"]).ok();
    assert!(
        plan.stdout.contains("~ cloudwatch alarm"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "bg.yml", "--yes"]).ok();
    let (threshold, ..) = alarm(&cw, "bg-web-http-5xx-percent").await.unwrap();
    assert_eq!(threshold, 2.5);

    // One no longer asked for is the stack's to delete (with --prune).
    let fewer = w
        .read("bg.yml")
        .replace("        - unhealthy_hosts: 1\n          minutes: 3\n", "");
    w.write("bg.yml", &fewer);
    let plan = w.run(&["plan", "-c", "bg.yml"]).ok();
    assert!(
        plan.stdout.contains("- cloudwatch alarm")
            && plan.stdout.contains("bg-web-unhealthy-hosts"),
        "{}",
        plan.stdout
    );
    w.run(&["apply", "-c", "bg.yml", "--yes", "--prune"]).ok();
    assert!(alarm(&cw, "bg-web-unhealthy-hosts").await.is_none());
    run(&w, &["update-service", "-c", "bg.yml", "web"]).ok();
    assert_eq!(
        names(ecs.clone()).await,
        ["checkout-latency", "bg-web-http-5xx-percent"]
    );
    // ECS is never told to watch a generated alarm apply has not made.
    w.write(
        "bg.yml",
        &w.read("bg.yml").replace(
            "        - http_5xx_percent: 2.5\n",
            "        - http_5xx_percent: 2.5\n        - unhealthy_hosts: 1\n",
        ),
    );
    let early = w.run(&["update-service", "-c", "bg.yml", "web"]);
    assert_eq!(early.code, 2, "{}{}", early.stdout, early.stderr);
    assert!(
        early.stderr.contains("bg-web-unhealthy-hosts that web rolls back on does not exist yet; run `fargate-stack apply -c bg.yml` first"),
        "{}",
        early.stderr
    );
    w.run(&["apply", "-c", "bg.yml", "--yes"]).ok();
    run(&w, &["update-service", "-c", "bg.yml", "web"]).ok();
    assert_eq!(names(ecs.clone()).await.len(), 3);

    // Destroy removes the alarms the stack made, and never the one it names.
    cw.put_metric_alarm()
        .alarm_name("checkout-latency")
        .namespace("AWS/ApplicationELB")
        .metric_name("TargetResponseTime")
        .statistic(aws_sdk_cloudwatch::types::Statistic::Average)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(aws_sdk_cloudwatch::types::ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
    let verify = w.run(&["verify", "-c", "bg.yml"]);
    assert!(
        verify.stdout.contains("checkout-latency exists"),
        "{}",
        verify.stdout
    );
    w.run(&["destroy", "-c", "bg.yml", "--yes"]).ok();
    assert!(alarm(&cw, "bg-web-http-5xx-percent").await.is_none());
    assert!(alarm(&cw, "checkout-latency").await.is_some());
}

#[test]
fn generated_alarms_need_a_target_group_and_one_measure() {
    let w = Workdir::new(None);
    for (alarms, key, words) in [
        (
            "        - http_5xx_percent: 5\n",
            "tasks.jobs.deployment.alarms[0].http_5xx_percent",
            "this task has none",
        ),
        (
            "        - http_5xx_percent: 5\n          unhealthy_hosts: 1\n",
            "tasks.jobs.deployment.alarms[0]",
            "two measures",
        ),
        (
            "        - http_5xx_percnt: 5\n",
            "http_5xx_percnt",
            "did you mean `http_5xx_percent`?",
        ),
    ] {
        let config = format!(
            "app:\n  name: a\ntasks:\n  jobs:\n    type: daemon\n    image: x\n    deployment:\n      alarms:\n{alarms}"
        );
        w.write("a.yml", &config);
        let out = w.run(&["plan", "-c", "a.yml"]);
        assert_eq!(out.code, 2, "{}", out.stderr);
        assert!(
            out.stderr.contains(key) && out.stderr.contains(words),
            "{}",
            out.stderr
        );
        assert_eq!(w.read("a.yml"), config);
    }
}
