data "clerk_instance" "this" {}

output "clerk_instance" {
  value = {
    id               = data.clerk_instance.this.id
    environment_type = data.clerk_instance.this.environment_type
    allowed_origins  = data.clerk_instance.this.allowed_origins
    hibp             = data.clerk_instance.this.hibp
  }
}
