# Refuse throwaway and "+tag" email addresses at sign-up. Restrictions left
# out (allowlist, blocklist, …) are not managed and stay as they are.
resource "clerk_instance_restrictions" "this" {
  block_disposable_email_domains = true
  block_email_subaddresses       = true
}
