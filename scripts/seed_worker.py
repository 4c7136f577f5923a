#!/usr/bin/env python3
"""Makes what examples/worker.yml expects to exist in the emulator: the
secret ledger/db, the parameter /ledger/api-url, and an EFS file system with
a mount target (and its own security group) in the seeded VPC. Prints the
file system's ID. Used by the demo and the benchmark.

Usage: seed_worker.py SEED_JSON   (the output of seed_moto.py)
"""

import json
import os
import sys

import boto3


def client(name):
    return boto3.client(name, region_name=os.environ["AWS_REGION"], endpoint_url=os.environ["AWS_ENDPOINT_URL"])


def main():
    seed = json.loads(sys.argv[1])
    client("secretsmanager").create_secret(Name="ledger/db", SecretString='{"password": "demo-only"}')
    client("ssm").put_parameter(Name="/ledger/api-url", Value="https://api.example", Type="SecureString")
    efs, ec2 = client("efs"), client("ec2")
    fs = efs.create_file_system(CreationToken="ledger")["FileSystemId"]
    sg = ec2.create_security_group(GroupName="ledger-efs", Description="mount targets", VpcId=seed["vpc_id"])["GroupId"]
    efs.create_mount_target(FileSystemId=fs, SubnetId=seed["private"][0], SecurityGroups=[sg])
    print(fs)


if __name__ == "__main__":
    main()
