"""The only package that imports boto3 or botocore."""
