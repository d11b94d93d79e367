# A satellite domain: users of docs.example.com share the sessions of the
# instance's primary domain. Development instances may use a port
# (`localhost:3001`). The primary domain itself is not a clerk_domain: set
# its development origin with clerk_instance_settings.
resource "clerk_domain" "docs" {
  name = "docs.example.com"
}

# On a production instance, a satellite can run behind a proxy instead of
# the `clerk.` CNAME record (Clerk refuses proxy_url on development
# instances):
#
# resource "clerk_domain" "shop" {
#   name      = "shop.example.com"
#   proxy_url = "https://shop.example.com/__clerk"
# }

# The DNS records to create for the satellite (production instances).
output "docs_cname_targets" {
  value = clerk_domain.docs.cname_targets
}
