# Never send SMS messages (verification codes included) to these countries.
# The whole list replaces the instance's; [] empties it.
resource "clerk_instance_communication" "this" {
  blocked_country_codes = ["KP", "RU"]
}
