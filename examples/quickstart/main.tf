# A complete configuration: run it against the local Clerk stand-in with
# `make demo`, or against a real instance with CLERK_SECRET_KEY set.
terraform {
  required_providers {
    clerk = {
      source  = "terraform.local/clerk/clerk"
      version = "~> 0.1.0"
    }
  }
}

provider "clerk" {}

resource "clerk_instance_settings" "this" {
  test_mode     = true
  hibp          = true
  support_email = "support@example.com"

  allowed_origins = [
    "http://localhost:3000",
    "capacitor://localhost",
  ]
}

data "clerk_instance" "this" {}

output "instance_id" {
  value = clerk_instance_settings.this.id
}

output "environment_type" {
  value = data.clerk_instance.this.environment_type
}
