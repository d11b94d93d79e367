# Keep a whole email domain and one wallet out while the block-list
# restriction is on.
resource "clerk_instance_restrictions" "this" {
  blocklist = true
}

resource "clerk_blocklist_identifier" "spam_domain" {
  identifier = "*@spam.example"
}

resource "clerk_blocklist_identifier" "wallet" {
  identifier = "0x52908400098527886E0F7030069857D2E4169EE7"
}
