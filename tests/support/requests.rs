//! tfplugin5 request messages for the tests that talk gRPC to the provider,
//! built from the parts a test varies. Everything else is left as
//! Terraform v1.0 leaves it for this provider: no private data, no
//! provider_meta, no flatmap state.

use terraform_provider_clerk::protocol::tfplugin5 as pb;

/// A request's value slot (config, state, plan), present or not.
pub type Slot = Option<pb::DynamicValue>;

/// The Terraform version the tests announce in Configure.
pub const TERRAFORM_VERSION: &str = "1.0.3";

pub fn prepare_provider_config(config: Slot) -> pb::prepare_provider_config::Request {
    pb::prepare_provider_config::Request { config }
}

pub fn validate_resource_type_config(
    type_name: &str,
    config: Slot,
) -> pb::validate_resource_type_config::Request {
    pb::validate_resource_type_config::Request {
        type_name: type_name.into(),
        config,
    }
}

pub fn validate_data_source_config(
    type_name: &str,
    config: Slot,
) -> pb::validate_data_source_config::Request {
    pb::validate_data_source_config::Request {
        type_name: type_name.into(),
        config,
    }
}

pub fn configure(config: Slot) -> pb::configure::Request {
    pb::configure::Request {
        terraform_version: TERRAFORM_VERSION.into(),
        config,
    }
}

pub fn read_resource(type_name: &str, current_state: Slot) -> pb::read_resource::Request {
    pb::read_resource::Request {
        type_name: type_name.into(),
        current_state,
        private: Vec::new(),
        provider_meta: None,
    }
}

pub fn plan_resource_change(
    type_name: &str,
    prior_state: Slot,
    proposed_new_state: Slot,
    config: Slot,
) -> pb::plan_resource_change::Request {
    pb::plan_resource_change::Request {
        type_name: type_name.into(),
        prior_state,
        proposed_new_state,
        config,
        prior_private: Vec::new(),
        provider_meta: None,
    }
}

pub fn apply_resource_change(
    type_name: &str,
    prior_state: Slot,
    planned_state: Slot,
    config: Slot,
) -> pb::apply_resource_change::Request {
    pb::apply_resource_change::Request {
        type_name: type_name.into(),
        prior_state,
        planned_state,
        config,
        planned_private: Vec::new(),
        provider_meta: None,
    }
}

pub fn read_data_source(type_name: &str, config: Slot) -> pb::read_data_source::Request {
    pb::read_data_source::Request {
        type_name: type_name.into(),
        config,
        provider_meta: None,
    }
}

pub fn import_resource_state(
    type_name: &str,
    id: impl Into<String>,
) -> pb::import_resource_state::Request {
    pb::import_resource_state::Request {
        type_name: type_name.into(),
        id: id.into(),
    }
}

pub fn upgrade_resource_state(
    type_name: &str,
    version: i64,
    raw_state: pb::RawState,
) -> pb::upgrade_resource_state::Request {
    pb::upgrade_resource_state::Request {
        type_name: type_name.into(),
        version,
        raw_state: Some(raw_state),
    }
}

/// Stored state in the JSON form Terraform 0.12 and later write.
pub fn json_state(json: impl Into<Vec<u8>>) -> pb::RawState {
    pb::RawState {
        json: json.into(),
        flatmap: Default::default(),
    }
}
