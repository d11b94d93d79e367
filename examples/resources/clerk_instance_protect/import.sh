# Import with the ID of the instance the provider's secret key belongs to
# (shown by the clerk_instance data source, or in the Clerk Dashboard).
terraform import clerk_instance_protect.this ins_2abcDEFghiJKLmnoPQRstuVWXyz
