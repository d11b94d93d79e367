# The secret key comes from CLERK_SECRET_KEY unless set here. Keep it out of
# configuration files: pass it through the environment or a sensitive
# variable.
provider "clerk" {}

# One provider configuration per Clerk instance, each with its own key.
variable "clerk_production_secret_key" {
  type      = string
  sensitive = true
}

provider "clerk" {
  alias      = "production"
  secret_key = var.clerk_production_secret_key

  # Optional: how hard to retry rate limits, server errors and timeouts.
  max_retries             = 4
  request_timeout_seconds = 30
  retry_budget_seconds    = 60
}
