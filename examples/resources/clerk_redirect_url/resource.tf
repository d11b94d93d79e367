# Let Clerk redirect to a native app's OAuth callback and to the web app's
# own callback page. Each URL is one object; changing a URL replaces it.
resource "clerk_redirect_url" "native_app" {
  url = "my-app://oauth-callback"
}

resource "clerk_redirect_url" "web" {
  url = "https://app.example.com/sso-callback"
}
