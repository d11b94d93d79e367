# Import with the redirect URL's ID (listed by GET /v1/redirect_urls) …
terraform import clerk_redirect_url.native_app ru_2abcDEFghiJKLmnoPQRstuVWXyz
# … or with the URL itself.
terraform import clerk_redirect_url.web https://app.example.com/sso-callback
