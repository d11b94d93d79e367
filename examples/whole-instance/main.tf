# One configuration for a whole Clerk instance: every instance-wide
# singleton this provider manages, refreshed together. Sources several
# resources need are read once per run and shared.
terraform {
  required_providers {
    clerk = {
      source  = "terraform.local/clerk/clerk"
      version = "~> 0.1.0"
    }
  }
}

variable "drift_detection" {
  description = "Also read settings Clerk exposes only through the domain and the Frontend API."
  type        = bool
  default     = false
}

provider "clerk" {
  drift_detection = var.drift_detection
}

resource "clerk_instance_settings" "this" {
  hibp          = true
  support_email = "support@example.com"

  allowed_origins = [
    "http://localhost:3000",
  ]
}

resource "clerk_instance_restrictions" "this" {
  block_disposable_email_domains = true
  block_email_subaddresses       = true
}

resource "clerk_organization_settings" "this" {
  enabled                 = true
  max_allowed_memberships = 10
}

resource "clerk_instance_protect" "this" {
  rules_enabled = true
}

resource "clerk_instance_communication" "this" {
  blocked_country_codes = ["KP"]
}

resource "clerk_oauth_application_settings" "this" {
  dynamic_oauth_client_registration = true
}
