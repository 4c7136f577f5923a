#!/usr/bin/env python3
"""Seed a moto server with a realistic account for fargate-stack.

- an eligible VPC: Internet Gateway + available NAT gateway, DNS hostnames on
- 2 public subnets (explicit route table to the IGW) over 2 AZs
- 2 private subnets to the NAT: one explicitly associated, one that relies on
  the VPC's main route table (which routes to the NAT)
- 1 isolated subnet (a route table with only the local route)
- an ECR repository `helloworld` with an image tagged `latest`
- moto's default VPC stays, and must not be chosen (it has no IGW here)

--zone NAME (repeatable) also creates a public hosted zone.
Variants: --variant eligible (default) | none (IGW but no NAT) | two (two eligible VPCs).
Prints the seeded IDs as JSON. The endpoint comes from AWS_ENDPOINT_URL.
"""

import argparse
import hashlib
import json
import os

import boto3


def client(name):
    return boto3.client(
        name,
        endpoint_url=os.environ["AWS_ENDPOINT_URL"],
        region_name=os.environ.get("AWS_REGION", "us-east-1"),
        aws_access_key_id=os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        aws_secret_access_key=os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
    )


def make_vpc(ec2, cidr_prefix, name, with_nat=True):
    region = ec2.meta.region_name
    vpc = ec2.create_vpc(CidrBlock=f"{cidr_prefix}.0.0/16")["Vpc"]["VpcId"]
    ec2.create_tags(Resources=[vpc], Tags=[{"Key": "Name", "Value": name}])
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsSupport={"Value": True})
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)

    def subnet(cidr, az):
        return ec2.create_subnet(VpcId=vpc, CidrBlock=f"{cidr_prefix}.{cidr}", AvailabilityZone=region + az)["Subnet"]["SubnetId"]

    public = [subnet("0.0/24", "a"), subnet("1.0/24", "b")]
    private = [subnet("10.0/24", "a"), subnet("11.0/24", "b")]
    isolated = subnet("20.0/24", "a")

    public_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=public_rt, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    for s in public:
        ec2.associate_route_table(RouteTableId=public_rt, SubnetId=s)

    main_rt = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"][0]["RouteTableId"]
    nat = None
    if with_nat:
        eip = ec2.allocate_address(Domain="vpc")["AllocationId"]
        nat = ec2.create_nat_gateway(SubnetId=public[0], AllocationId=eip)["NatGateway"]["NatGatewayId"]
        private_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.create_route(RouteTableId=private_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
        ec2.associate_route_table(RouteTableId=private_rt, SubnetId=private[0])
        # private[1] has no association: it uses the main table, which routes to the NAT.
        ec2.create_route(RouteTableId=main_rt, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat)
    isolated_rt = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.associate_route_table(RouteTableId=isolated_rt, SubnetId=isolated)
    return {"vpc_id": vpc, "public": public, "private": private, "isolated": [isolated], "nat": nat}


def seed_ecr(ecr):
    ecr.create_repository(repositoryName="helloworld")
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 1, "digest": "sha256:" + "0" * 64},
        # moto derives the digest from the layer digests only.
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 1, "digest": "sha256:" + "a" * 64}],
    })
    ecr.put_image(repositoryName="helloworld", imageManifest=manifest, imageTag="latest")
    image = ecr.describe_images(repositoryName="helloworld", imageIds=[{"imageTag": "latest"}])["imageDetails"][0]
    return image["imageDigest"]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--variant", default="eligible", choices=["eligible", "none", "two"])
    parser.add_argument("--zone", action="append", default=[], help="also create this public hosted zone")
    args = parser.parse_args()
    for zone in args.zone:
        client("route53").create_hosted_zone(Name=zone, CallerReference="seed-" + zone)
    ec2, ecr = client("ec2"), client("ecr")
    out = {"account": client("sts").get_caller_identity()["Account"]}
    if args.variant == "eligible":
        out.update(make_vpc(ec2, "10.0", "fargate-stack-demo"))
    elif args.variant == "none":
        out.update(make_vpc(ec2, "10.0", "igw-only", with_nat=False))
    else:
        out.update(make_vpc(ec2, "10.0", "first"))
        out["second_vpc_id"] = make_vpc(ec2, "10.1", "second")["vpc_id"]
    out["image_digest"] = seed_ecr(ecr)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
