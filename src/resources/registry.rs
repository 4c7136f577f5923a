//! The one table of kinds. Each row is a kind: its variant, the type in its
//! file that implements the `Resource` trait of `core.rs`, its label in
//! plans and its slug in addresses. The order is the original tool's build
//! order (its `Builder::build`), which is also the tie-break when the graph
//! allows several orders.
//!
//! The table is a macro that hands its rows to another macro, so the enum
//! (in `core`, which imports no kind) and the dispatch (in `mod.rs`, which
//! imports them all) are generated from the same rows. Adding a kind is its
//! file and one row here.

macro_rules! kind_table {
    ($then:ident) => {
        $then! {
            LogGroup => log_group::LogGroup, "log group", "log-group";
            Certificate => certificate::Certificate, "acm certificate", "certificate";
            Queue => queue::Queue, "sqs queue", "queue";
            Bucket => bucket::Bucket, "s3 bucket", "bucket";
            ExecutionRole => iam_role::ExecutionRole, "iam execution role", "execution-role";
            ExecutionPolicy => iam_role::ExecutionPolicy, "iam execution policy", "execution-policy";
            TaskRole => iam_role::TaskRole, "iam task role", "task-role";
            TaskPolicy => iam_role::TaskPolicy, "iam task policy", "task-policy";
            Cluster => cluster::Cluster, "ecs cluster", "cluster";
            SecurityGroup => security_group::SecurityGroup, "security group", "security-group";
            TaskDefinition => task_definition::TaskDefinition, "task definition", "task-definition";
            EfsIngress => efs_ingress::EfsIngress, "efs ingress rule", "efs-ingress";
            EventsRole => iam_role::EventsRole, "iam events role", "events-role";
            EventsPolicy => iam_role::EventsPolicy, "iam events policy", "events-policy";
            ScheduleRule => schedule_rule::ScheduleRule, "schedule rule", "schedule-rule";
            ScheduleTarget => schedule_target::ScheduleTarget, "schedule target", "schedule-target";
            LoadBalancer => load_balancer::LoadBalancer, "load balancer", "load-balancer";
            TargetGroup => target_group::TargetGroup, "target group", "target-group";
            Listener => listener::Listener, "listener", "listener";
            ListenerCertificate => listener_certificate::ListenerCertificate, "listener certificate", "listener-certificate";
            ListenerRule => listener_rule::ListenerRule, "listener rule", "listener-rule";
            DeployRole => iam_role::DeployRole, "iam deploy role", "deploy-role";
            DeployPolicy => iam_role::DeployPolicy, "iam deploy policy", "deploy-policy";
            Alarm => alarm::Alarm, "cloudwatch alarm", "alarm";
            AlbIngress => alb_ingress::AlbIngress, "alb ingress rule", "alb-ingress";
            DnsRecord => dns_record::DnsRecord, "dns record", "dns-record";
            WebAcl => web_acl::WebAcl, "waf web acl", "web-acl";
            Service => service::Service, "ecs service", "service";
            ScalableTarget => scalable_target::ScalableTarget, "autoscaling target", "scalable-target";
            ScalingPolicy => scaling_policy::ScalingPolicy, "autoscaling policy", "scaling-policy";
            ScheduledAction => scheduled_action::ScheduledAction, "scheduled scaling action", "scheduled-action";
        }
    };
}

pub(crate) use kind_table;
