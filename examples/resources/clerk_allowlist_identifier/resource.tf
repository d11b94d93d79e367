# Only these identifiers may sign up while the allow-list restriction is on.
resource "clerk_instance_restrictions" "this" {
  allowlist = true
}

# Invite a colleague by email: `notify` is sent when the identifier is
# created, and only then.
resource "clerk_allowlist_identifier" "colleague" {
  identifier = "colleague@example.com"
  notify     = true
}

# Many identifiers from one list: refreshing them all reads Clerk's listing
# once, however many there are.
variable "phone_numbers" {
  type    = set(string)
  default = ["+15555550100", "+15555550101"]
}

resource "clerk_allowlist_identifier" "phones" {
  for_each   = var.phone_numbers
  identifier = each.value
}
