//! The VPC and its subnets.
//!
//! A VPC is eligible when it has an attached Internet Gateway *and* an
//! available NAT gateway: tasks in private subnets need the NAT to pull
//! images. (The original accepted an IGW alone, which yields stacks whose
//! tasks cannot start.) Subnets are classified by the route table that
//! actually applies to them, including the VPC's main table for subnets with
//! no explicit association (which the original missed).

use std::collections::{BTreeMap, HashSet};

use anyhow::{Result, bail};
use aws_sdk_ec2::types::{Filter, RouteTable, Subnet};
use serde::Serialize;

use crate::aws::{Aws, AwsResultExt};
use crate::error::UserError;

/// Every item of a paginated EC2 describe call.
macro_rules! all_items {
    ($request:expr, $what:literal) => {
        $request
            .into_paginator()
            .items()
            .send()
            .collect::<Result<Vec<_>, _>>()
            .await
            .ctx($what)
    };
}

#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Network {
    pub vpc_id: String,
    pub public: Vec<String>,
    pub private: Vec<String>,
    pub isolated: Vec<String>,
    /// Each subnet's availability zone (a load balancer serves only the
    /// zones of its subnets).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub zones: BTreeMap<String, String>,
}

impl Network {
    /// The subnets tasks run in: the private ones, or the public ones (with
    /// a public IP, `true`) when there are none.
    pub fn task_subnets(&self) -> (Vec<String>, bool) {
        if self.private.is_empty() {
            (self.public.clone(), true)
        } else {
            (self.private.clone(), false)
        }
    }

    pub fn zone_of(&self, subnet: &str) -> Option<&str> {
        self.zones.get(subnet).map(String::as_str)
    }
}

/// The zones of these subnets, for a network read from the config (which
/// records the subnets, not their zones).
pub async fn zones_of(aws: &Aws, subnets: &[String]) -> Result<BTreeMap<String, String>> {
    if subnets.is_empty() {
        return Ok(BTreeMap::new());
    }
    let found = all_items!(
        aws.ec2
            .describe_subnets()
            .set_subnet_ids(Some(subnets.to_vec())),
        "ec2 DescribeSubnets"
    )?;
    Ok(found
        .iter()
        .filter_map(|s| {
            Some((
                s.subnet_id()?.to_string(),
                s.availability_zone()?.to_string(),
            ))
        })
        .collect())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubnetClass {
    Public,
    Private,
    Isolated,
}

fn vpc_filter(vpc: &str) -> Filter {
    Filter::builder().name("vpc-id").values(vpc).build()
}

/// Finds (or verifies) the VPC, then classifies its subnets.
pub async fn discover(aws: &Aws, configured_vpc: Option<&str>) -> Result<Network> {
    let vpc_id = match configured_vpc {
        Some(vpc) => {
            verify_vpc(aws, vpc).await?;
            vpc.to_string()
        }
        None => find_eligible_vpc(aws).await?,
    };
    let (subnets, tables) = tokio::try_join!(
        async {
            all_items!(
                aws.ec2.describe_subnets().filters(vpc_filter(&vpc_id)),
                "ec2 DescribeSubnets"
            )
        },
        async {
            all_items!(
                aws.ec2.describe_route_tables().filters(vpc_filter(&vpc_id)),
                "ec2 DescribeRouteTables"
            )
        },
    )?;
    let network = classify(&vpc_id, &subnets, &tables);
    if network.private.is_empty() && network.public.is_empty() {
        return Err(UserError::new(format!(
            "VPC {vpc_id} has no subnet with a route to the internet (through a NAT gateway or an Internet Gateway); tasks could not pull images. Add routes, or set `vpc_id` to another VPC"
        ))
        .into());
    }
    if network.private.is_empty() {
        tracing::warn!(
            "VPC {vpc_id} has no private subnets; tasks will run in public subnets with public IPs"
        );
    }
    Ok(network)
}

async fn verify_vpc(aws: &Aws, vpc: &str) -> Result<()> {
    let out = aws.ec2.describe_vpcs().vpc_ids(vpc).send().await;
    match out {
        Ok(o) if !o.vpcs().is_empty() => Ok(()),
        Ok(_) => Err(UserError::new(format!("`vpc_id`: VPC {vpc} does not exist in this account and region; fix `vpc_id` or remove it to discover one")).into()),
        Err(e) if crate::aws::code_of(&e).is_some_and(|c| c.starts_with("InvalidVpcID")) => {
            Err(UserError::new(format!("`vpc_id`: VPC {vpc} does not exist in this account and region; fix `vpc_id` or remove it to discover one")).into())
        }
        Err(e) => Err(crate::aws::errors::describe("ec2 DescribeVpcs", e).into()),
    }
}

async fn find_eligible_vpc(aws: &Aws) -> Result<String> {
    let (vpcs, igws, nats) = tokio::try_join!(
        async { all_items!(aws.ec2.describe_vpcs(), "ec2 DescribeVpcs") },
        async {
            all_items!(
                aws.ec2.describe_internet_gateways(),
                "ec2 DescribeInternetGateways"
            )
        },
        async { all_items!(aws.ec2.describe_nat_gateways(), "ec2 DescribeNatGateways") },
    )?;
    let with_igw: HashSet<String> = igws
        .iter()
        .flat_map(|g| g.attachments())
        .filter_map(|a| a.vpc_id().map(str::to_string))
        .collect();
    let with_nat: HashSet<String> = nats
        .iter()
        .filter(|n| n.state().is_some_and(|s| s.as_str() == "available"))
        .filter_map(|n| n.vpc_id().map(str::to_string))
        .collect();
    let all: Vec<String> = vpcs
        .iter()
        .filter_map(|v| v.vpc_id().map(str::to_string))
        .collect();
    let eligible: Vec<&String> = all
        .iter()
        .filter(|v| with_igw.contains(*v) && with_nat.contains(*v))
        .collect();
    match eligible.as_slice() {
        [one] => {
            tracing::info!(
                "using VPC {one}: the only one with an Internet Gateway and a NAT gateway"
            );
            Ok((*one).clone())
        }
        [] => {
            let igw_only: Vec<&String> = all.iter().filter(|v| with_igw.contains(*v)).collect();
            let detail = if igw_only.is_empty() {
                "none of its VPCs has an Internet Gateway and a NAT gateway".to_string()
            } else {
                format!(
                    "{} ha{} an Internet Gateway but no available NAT gateway, which tasks in private subnets need",
                    igw_only
                        .iter()
                        .map(|s| s.as_str())
                        .collect::<Vec<_>>()
                        .join(", "),
                    if igw_only.len() == 1 { "s" } else { "ve" }
                )
            };
            bail!(UserError::new(format!(
                "no eligible VPC in this account and region: {detail}; create one, or set `vpc_id` in the config"
            )))
        }
        many => bail!(UserError::new(format!(
            "{} VPCs have an Internet Gateway and a NAT gateway ({}); set `vpc_id` in the config to choose one",
            many.len(),
            many.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// Which class a route table gives its subnets.
fn table_class(table: &RouteTable) -> SubnetClass {
    let mut class = SubnetClass::Isolated;
    for r in table.routes() {
        if r.destination_cidr_block() != Some("0.0.0.0/0") {
            continue;
        }
        if r.state().is_some_and(|s| s.as_str() == "blackhole") {
            continue;
        }
        if r.gateway_id().is_some_and(|g| g.starts_with("igw-")) {
            return SubnetClass::Public;
        }
        if r.nat_gateway_id().is_some() {
            class = SubnetClass::Private;
        }
    }
    class
}

/// Pure: subnets sorted by availability zone, then ID, into classes.
pub fn classify(vpc_id: &str, subnets: &[Subnet], tables: &[RouteTable]) -> Network {
    let mut explicit: BTreeMap<String, SubnetClass> = BTreeMap::new();
    let mut main_class = SubnetClass::Isolated;
    for t in tables {
        let class = table_class(t);
        for a in t.associations() {
            if a.main() == Some(true) {
                main_class = class;
            }
            if let Some(s) = a.subnet_id() {
                explicit.insert(s.to_string(), class);
            }
        }
    }
    let mut sorted: Vec<(&str, &str)> = subnets
        .iter()
        .filter_map(|s| Some((s.availability_zone().unwrap_or(""), s.subnet_id()?)))
        .collect();
    sorted.sort();
    let mut net = Network {
        vpc_id: vpc_id.to_string(),
        ..Default::default()
    };
    for (zone, id) in sorted {
        if !zone.is_empty() {
            net.zones.insert(id.to_string(), zone.to_string());
        }
        match explicit.get(id).copied().unwrap_or(main_class) {
            SubnetClass::Public => net.public.push(id.to_string()),
            SubnetClass::Private => net.private.push(id.to_string()),
            SubnetClass::Isolated => net.isolated.push(id.to_string()),
        }
    }
    net
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::{Route, RouteTableAssociation};

    fn subnet(id: &str, az: &str) -> Subnet {
        Subnet::builder()
            .subnet_id(id)
            .availability_zone(az)
            .build()
    }

    fn table(route: Option<Route>, subnets: &[&str], main: bool) -> RouteTable {
        let mut b = RouteTable::builder();
        if let Some(r) = route {
            b = b.routes(r);
        }
        for s in subnets {
            b = b.associations(
                RouteTableAssociation::builder()
                    .subnet_id(*s)
                    .main(false)
                    .build(),
            );
        }
        if main {
            b = b.associations(RouteTableAssociation::builder().main(true).build());
        }
        b.build()
    }

    #[test]
    fn classifies_including_main_table() {
        let igw = Route::builder()
            .destination_cidr_block("0.0.0.0/0")
            .gateway_id("igw-1")
            .build();
        let nat = Route::builder()
            .destination_cidr_block("0.0.0.0/0")
            .nat_gateway_id("nat-1")
            .build();
        let subnets = [
            subnet("s-pub-b", "b"),
            subnet("s-pub-a", "a"),
            subnet("s-priv-a", "a"),
            subnet("s-main", "c"),
            subnet("s-iso", "a"),
        ];
        let tables = [
            table(Some(igw), &["s-pub-a", "s-pub-b"], false),
            table(Some(nat), &["s-priv-a"], true),
            table(None, &["s-iso"], false),
        ];
        let n = classify("vpc-1", &subnets, &tables);
        assert_eq!(n.public, ["s-pub-a", "s-pub-b"]);
        assert_eq!(n.private, ["s-priv-a", "s-main"]);
        assert_eq!(n.isolated, ["s-iso"]);
    }
}
