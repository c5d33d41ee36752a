#!/usr/bin/env python3
"""Regenerate models/*.json: the AWS service models Wharf validates against.

Reads botocore's official service models (pip's botocore, or Debian's awscli
copy), drops the documentation and examples (most of their size, none of their
meaning) and writes one compact JSON file per service. Run it when a newer
botocore brings newer models: `npm run models`.
"""
import glob, gzip, json, os, sys

SERVICES = {
    # file name: botocore service directory
    "ecs": "ecs", "ecr": "ecr", "logs": "logs",
    "application-autoscaling": "application-autoscaling",
    "elbv2": "elbv2", "secretsmanager": "secretsmanager", "ssm": "ssm",
    "sts": "sts", "iam": "iam", "monitoring": "cloudwatch",
}
DROP = {"documentation", "documentationUrl", "examples", "deprecatedMessage"}


def botocore_data_dirs():
    try:
        import botocore
        yield os.path.join(os.path.dirname(botocore.__file__), "data")
    except ImportError:
        pass
    yield from glob.glob("/usr/lib/python3/dist-packages/awscli/botocore/data")


def load(service):
    for root in botocore_data_dirs():
        versions = sorted(glob.glob(os.path.join(root, service, "*")))
        for version in reversed(versions):
            for name, opener in (("service-2.json.gz", gzip.open), ("service-2.json", open)):
                path = os.path.join(version, name)
                if os.path.exists(path):
                    with opener(path, "rt") as f:
                        return json.load(f)
    sys.exit(f"no botocore model found for {service}: install botocore (pip install botocore)")


def strip(node):
    if isinstance(node, dict):
        return {k: strip(v) for k, v in node.items() if k not in DROP}
    if isinstance(node, list):
        return [strip(v) for v in node]
    return node


def main():
    out_dir = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models")
    os.makedirs(out_dir, exist_ok=True)
    for name, service in SERVICES.items():
        model = strip(load(service))
        path = os.path.join(out_dir, f"{name}.json")
        with open(path, "w") as f:
            json.dump(model, f, separators=(",", ":"), sort_keys=True)
            f.write("\n")
        print(f"{name}: {len(model['operations'])} operations -> models/{name}.json")


if __name__ == "__main__":
    main()
