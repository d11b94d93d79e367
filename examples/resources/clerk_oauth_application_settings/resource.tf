# Issue JWT access tokens and let OAuth clients register themselves.
# Settings left out (default_scopes, the Client ID Metadata Document
# settings) are not managed and stay as they are.
resource "clerk_oauth_application_settings" "this" {
  dynamic_oauth_client_registration = true
  oauth_jwt_access_tokens           = true
}
