# Only the settings written here are managed. Anything left out keeps
# whatever value the instance has, and is never sent or planned as a change.
resource "clerk_instance_settings" "this" {
  test_mode                 = false
  hibp                      = true
  support_email             = "support@example.com"
  clerk_js_version          = "5"
  url_based_session_syncing = true

  # Browser extensions and Capacitor apps call Clerk from their own origins.
  allowed_origins = [
    "chrome-extension://mnhbilbfebpbokpjjamapdecdgieldho",
    "capacitor://localhost",
  ]

  # "" clears the override; Clerk then prefers "password".
  preferred_sign_in_strategy_when_password_required = "otp"
}
