//! The docs generator, test code rather than library API: registry
//! documentation (`docs/`), generated from the provider's own
//! schemas, the examples under `examples/` and the hand-written prose in
//! `docs-templates/`, in the layout terraform-plugin-docs produces (front
//! matter, description, Example Usage, Schema, Import).
//!
//! The schema is the only place an attribute is described: a template only
//! places the generated `{{schema}}` list, and rendering fails if a template
//! leaves out the description, the schema, an example or the import syntax
//! that exists. Tables that summarise code (where each setting is read back
//! from, which environment variables the provider reads) are generated from
//! that code too. `tests/docs.rs` compares the output with `docs/`, and
//! `make docs` rewrites it. In a template, `{{key}}` is replaced by a
//! generated value and `{{! … }}` is a comment.

#![allow(dead_code)]

use std::collections::BTreeSet;
use std::path::Path;

use terraform_provider_clerk::framework::{Attribute, ProviderSchemas, Schema};
use terraform_provider_clerk::provider::config::DEFAULT_DRIFT_GRACE_SECONDS;
use terraform_provider_clerk::provider::{SOURCE_ADDRESS, VERSION};
use terraform_provider_clerk::resources;
use terraform_provider_clerk::value::Type;

/// One generated file; `path` is relative to `docs/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    pub path: String,
    pub content: String,
}

/// What a page documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Provider,
    Resource,
    DataSource,
}

impl Kind {
    /// The word terraform-plugin-docs uses in titles.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Provider => "Provider",
            Kind::Resource => "Resource",
            Kind::DataSource => "Data Source",
        }
    }

    /// The directory under `docs/` and under `examples/`.
    fn directory(self) -> &'static str {
        match self {
            Kind::Provider => "provider",
            Kind::Resource => "resources",
            Kind::DataSource => "data-sources",
        }
    }

    fn example_file(self) -> &'static str {
        match self {
            Kind::Provider => "provider.tf",
            Kind::Resource => "resource.tf",
            Kind::DataSource => "data-source.tf",
        }
    }
}

const PROVIDER_TEMPLATE: &str = include_str!("../../docs-templates/index.md.tmpl");

/// The hand-written page of a resource or data source, if it has one.
fn template(kind: Kind, type_name: &str) -> Option<&'static str> {
    match (kind, type_name) {
        (Kind::Provider, _) => Some(PROVIDER_TEMPLATE),
        (Kind::Resource, "clerk_instance_settings") => Some(include_str!(
            "../../docs-templates/resources/instance_settings.md.tmpl"
        )),
        (Kind::Resource, "clerk_instance_restrictions") => Some(include_str!(
            "../../docs-templates/resources/instance_restrictions.md.tmpl"
        )),
        (Kind::Resource, "clerk_organization_settings") => Some(include_str!(
            "../../docs-templates/resources/organization_settings.md.tmpl"
        )),
        (Kind::DataSource, "clerk_instance") => Some(include_str!(
            "../../docs-templates/data-sources/instance.md.tmpl"
        )),
        _ => None,
    }
}

/// The layout terraform-plugin-docs uses when there is no template.
fn default_template(has_import: bool) -> String {
    let mut text =
        "# {{name}} ({{kind}})\n\n{{description}}\n\n## Example Usage\n\n{{example}}\n\n{{schema}}\n"
            .to_string();
    if has_import {
        text.push_str(
            "\n## Import\n\nImport is supported using the following syntax:\n\n{{import}}\n",
        );
    }
    text
}

/// `clerk`, from the source address `terraform.local/clerk/clerk`.
pub fn provider_name() -> &'static str {
    SOURCE_ADDRESS.rsplit('/').next().unwrap_or(SOURCE_ADDRESS)
}

/// Renders every page: the provider's, then each resource's and data
/// source's, reading examples from `examples_root` (the `examples/` dir).
pub fn render_all(schemas: &ProviderSchemas, examples_root: &Path) -> Result<Vec<Page>, String> {
    let mut pages = Vec::new();
    let provider_dir = examples_root.join(Kind::Provider.directory());
    pages.push(Page {
        path: "index.md".to_string(),
        content: render_page(
            Kind::Provider,
            provider_name(),
            &schemas.provider,
            read_optional(&provider_dir.join(Kind::Provider.example_file()))?,
            None,
        )?,
    });
    let kinds = [
        (Kind::Resource, &schemas.resources),
        (Kind::DataSource, &schemas.data_sources),
    ];
    for (kind, types) in kinds {
        for (type_name, schema) in types {
            let dir = examples_root.join(kind.directory()).join(type_name);
            let example = read_optional(&dir.join(kind.example_file()))?;
            let import = match kind {
                Kind::Resource => read_optional(&dir.join("import.sh"))?,
                _ => None,
            };
            pages.push(Page {
                path: page_path(kind, type_name),
                content: render_page(kind, type_name, schema, example, import)?,
            });
        }
    }
    Ok(pages)
}

/// `resources/instance_settings.md` for `clerk_instance_settings`.
pub fn page_path(kind: Kind, type_name: &str) -> String {
    let prefix = format!("{}_", provider_name());
    let short = type_name.strip_prefix(&prefix).unwrap_or(type_name);
    match kind {
        Kind::Provider => "index.md".to_string(),
        _ => format!("{}/{short}.md", kind.directory()),
    }
}

fn read_optional(path: &Path) -> Result<Option<String>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(Some(text)),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(error) => Err(format!("reading {}: {error}", path.display())),
    }
}

/// One page: generated front matter, then the template with its
/// placeholders filled.
pub fn render_page(
    kind: Kind,
    name: &str,
    schema: &Schema,
    example: Option<String>,
    import: Option<String>,
) -> Result<String, String> {
    let origin = format!("the {} page of {name}", kind.label());
    let description = schema.block.description.trim().to_string();
    if description.is_empty() {
        return Err(format!("{origin}: the schema has no description"));
    }
    let template = match template(kind, name) {
        Some(text) => text.to_string(),
        None => default_template(import.is_some()),
    };
    let title = match kind {
        Kind::Provider => format!("{name} Provider"),
        _ => format!(
            "{name} {} - terraform-provider-{}",
            kind.label(),
            provider_name()
        ),
    };
    let mut values = vec![
        ("name", name.to_string()),
        ("kind", kind.label().to_string()),
        ("provider_name", provider_name().to_string()),
        ("source_address", SOURCE_ADDRESS.to_string()),
        ("version", VERSION.to_string()),
        ("description", description.clone()),
        ("schema", schema_markdown(schema)?),
        ("readback_table", readback_table(name)),
        (
            "stale_read_grace",
            duration_words(DEFAULT_DRIFT_GRACE_SECONDS * 1_000),
        ),
    ];
    if kind == Kind::Provider {
        values.push(("environment_variables", environment_variables(schema)));
    }
    if let Some(example) = &example {
        values.push(("example", code_block("terraform", example)));
    }
    if let Some(import) = &import {
        values.push(("import", code_block("shell", import)));
    }
    for (key, present, file) in [
        ("example", example.is_some(), kind.example_file()),
        ("import", import.is_some(), "import.sh"),
    ] {
        if !present && template.contains(&format!("{{{{{key}}}}}")) {
            let dir = match kind {
                Kind::Provider => kind.directory().to_string(),
                _ => format!("{}/{name}", kind.directory()),
            };
            return Err(format!(
                "{origin}: there is no examples/{dir}/{file} for the template's {{{{{key}}}}}"
            ));
        }
    }
    let (body, used) = fill(&template, &values, &origin)?;
    let mut required = vec!["description", "schema"];
    if example.is_some() {
        required.push("example");
    }
    if import.is_some() {
        required.push("import");
    }
    for key in required {
        if !used.contains(key) {
            return Err(format!("{origin}: the template must place {{{{{key}}}}}"));
        }
    }
    let mut page = String::new();
    page.push_str("---\n");
    page.push_str(
        "# Generated by `make docs` (tests/docgen) from the provider's schema, examples/ and \
         docs-templates/. Do not edit.\n",
    );
    page.push_str(&format!("page_title: \"{title}\"\n"));
    page.push_str("subcategory: \"\"\n");
    page.push_str("description: |-\n");
    for line in plain_markdown(&description).lines() {
        if line.trim().is_empty() {
            page.push('\n');
        } else {
            page.push_str(&format!("  {line}\n"));
        }
    }
    page.push_str("---\n\n");
    page.push_str(body.trim());
    page.push('\n');
    Ok(tidy(&page))
}

/// Replaces each `{{key}}` with its value; unknown keys are errors. Returns
/// the text and the keys used.
fn fill<'a>(
    template: &str,
    values: &[(&'a str, String)],
    origin: &str,
) -> Result<(String, BTreeSet<&'a str>), String> {
    let mut out = String::new();
    let mut used = BTreeSet::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        let end = after
            .find("}}")
            .ok_or_else(|| format!("{origin}: a placeholder is not closed with }}}}"))?;
        let key = after[..end].trim();
        rest = &after[end + 2..];
        if key.starts_with('!') {
            // `{{! … }}` is a comment for whoever edits the template.
            continue;
        }
        let (known, value) = values
            .iter()
            .find(|(k, _)| *k == key)
            .ok_or_else(|| format!("{origin}: unknown placeholder {{{{{key}}}}}"))?;
        out.push_str(value);
        used.insert(*known);
    }
    out.push_str(rest);
    Ok((out, used))
}

/// No trailing spaces, no runs of blank lines.
fn tidy(text: &str) -> String {
    let mut out = String::new();
    let mut blank = 0;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank += 1;
            if blank > 1 {
                continue;
            }
        } else {
            blank = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn code_block(language: &str, text: &str) -> String {
    format!("```{language}\n{}\n```", text.trim_end())
}

/// The description as plain text, for the front matter.
fn plain_markdown(text: &str) -> String {
    text.replace("**", "").replace('`', "")
}

/// A type as terraform-plugin-docs names it: `String`, `Set of String`.
pub fn type_name(ty: &Type) -> String {
    match ty {
        Type::Bool => "Boolean".to_string(),
        Type::Number => "Number".to_string(),
        Type::String => "String".to_string(),
        Type::Dynamic => "Dynamic".to_string(),
        Type::List(element) => format!("List of {}", type_name(element)),
        Type::Set(element) => format!("Set of {}", type_name(element)),
        Type::Map(element) => format!("Map of {}", type_name(element)),
        Type::Object(_) => "Object".to_string(),
        Type::Tuple(_) => "Tuple".to_string(),
    }
}

/// `- `name` (Type, Sensitive) description`, continuation lines indented.
pub fn attribute_line(attribute: &Attribute) -> String {
    let mut flags = vec![type_name(&attribute.ty)];
    if attribute.sensitive {
        flags.push("Sensitive".to_string());
    }
    if attribute.deprecated {
        flags.push("Deprecated".to_string());
    }
    let description = attribute.description.trim().replace('\n', "\n  ");
    let mut line = format!("- `{}` ({})", attribute.name, flags.join(", "));
    if !description.is_empty() {
        line.push(' ');
        line.push_str(&description);
    }
    line
}

/// The Schema section: Required, Optional and Read-Only attributes, each
/// sorted by name, with the schema's own descriptions.
pub fn schema_markdown(schema: &Schema) -> Result<String, String> {
    if !schema.block.blocks.is_empty() {
        return Err("nested blocks are not supported by the docs generator yet".to_string());
    }
    let mut attributes: Vec<&Attribute> = schema.block.attributes.iter().collect();
    attributes.sort_by(|a, b| a.name.cmp(&b.name));
    let section = |a: &Attribute| {
        if a.required {
            "Required"
        } else if a.optional {
            "Optional"
        } else {
            "Read-Only"
        }
    };
    let mut out = String::from("<!-- schema generated by tests/docgen -->\n## Schema\n");
    for title in ["Required", "Optional", "Read-Only"] {
        let lines: Vec<String> = attributes
            .iter()
            .filter(|a| section(a) == title)
            .map(|a| attribute_line(a))
            .collect();
        if lines.is_empty() {
            continue;
        }
        out.push_str(&format!("\n### {title}\n\n"));
        for line in lines {
            out.push_str(&line);
            out.push('\n');
        }
    }
    Ok(out)
}

fn table_cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// One row per setting of the resource `type_name`: when and from where
/// refresh reads its value, from the resource's own description. Empty
/// for anything else.
pub fn readback_table(type_name: &str) -> String {
    let Some(resource) = resources::resource(type_name) else {
        return String::new();
    };
    let mut out = String::from("| Setting | Read back | Source |\n|---|---|---|\n");
    for (name, when, source) in resource.readback_rows() {
        out.push_str(&format!(
            "| `{name}` | {when} | {} |\n",
            table_cell(&source)
        ));
    }
    out.trim_end().to_string()
}

/// The environment variables named (as `CLERK_…` code spans) in the
/// provider's attribute descriptions, with the argument each stands in for.
pub fn environment_variables(provider: &Schema) -> String {
    let mut attributes: Vec<&Attribute> = provider.block.attributes.iter().collect();
    attributes.sort_by(|a, b| a.name.cmp(&b.name));
    let mut out = String::from("| Environment variable | Argument |\n|---|---|\n");
    for attribute in attributes {
        let spans = attribute.description.split('`').skip(1).step_by(2);
        for span in spans {
            let is_variable = span.starts_with("CLERK_")
                && span
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            if is_variable {
                out.push_str(&format!("| `{span}` | `{}` |\n", attribute.name));
            }
        }
    }
    out.trim_end().to_string()
}

/// `120_000` → "2 minutes".
pub fn duration_words(ms: u64) -> String {
    let plural = |n: u64, unit: &str| {
        if n == 1 {
            format!("1 {unit}")
        } else {
            format!("{n} {unit}s")
        }
    };
    if ms > 0 && ms.is_multiple_of(60_000) {
        plural(ms / 60_000, "minute")
    } else if ms.is_multiple_of(1_000) {
        plural(ms / 1_000, "second")
    } else {
        plural(ms, "millisecond")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use terraform_provider_clerk::framework::{Block, Provider};
    use terraform_provider_clerk::provider::ClerkProvider;

    fn schema(attributes: Vec<Attribute>, description: &str) -> Schema {
        Schema {
            version: 0,
            block: Block {
                attributes,
                blocks: Vec::new(),
                description: description.to_string(),
                deprecated: false,
            },
        }
    }

    #[test]
    fn types_are_named_as_terraform_plugin_docs_names_them() {
        assert_eq!(type_name(&Type::Bool), "Boolean");
        assert_eq!(type_name(&Type::set(Type::String)), "Set of String");
        assert_eq!(
            type_name(&Type::map(Type::list(Type::Number))),
            "Map of List of Number"
        );
    }

    #[test]
    fn attribute_lines_carry_type_flags_and_the_description() {
        let secret = Attribute::optional("secret_key", Type::String, "The key.").sensitive();
        assert_eq!(
            attribute_line(&secret),
            "- `secret_key` (String, Sensitive) The key."
        );
        let old = Attribute::optional_computed("old", Type::Bool, "Old.\nGone.").deprecated();
        assert_eq!(
            attribute_line(&old),
            "- `old` (Boolean, Deprecated) Old.\n  Gone."
        );
    }

    #[test]
    fn schema_sections_sort_and_split_attributes() {
        let s = schema(
            vec![
                Attribute::computed("id", Type::String, "The ID."),
                Attribute::optional_computed("b", Type::Bool, "B."),
                Attribute::optional("a", Type::String, "A."),
                Attribute::required("r", Type::Number, "R."),
            ],
            "X.",
        );
        let text = schema_markdown(&s).unwrap();
        let required = text.find("### Required").unwrap();
        let optional = text.find("### Optional").unwrap();
        let read_only = text.find("### Read-Only").unwrap();
        assert!(required < optional && optional < read_only, "{text}");
        assert!(text.find("- `a`").unwrap() < text.find("- `b`").unwrap());
        assert!(text.find("- `id`").unwrap() > read_only);
        assert!(text.find("- `r`").unwrap() < optional);
    }

    #[test]
    fn schema_sections_without_attributes_are_left_out() {
        let s = schema(
            vec![Attribute::computed("id", Type::String, "The ID.")],
            "X.",
        );
        let text = schema_markdown(&s).unwrap();
        assert!(!text.contains("### Optional"), "{text}");
        assert!(!text.contains("### Required"), "{text}");
    }

    #[test]
    fn unknown_placeholders_and_missing_sections_are_errors() {
        let values = vec![("name", "n".to_string())];
        let error = fill("a {{nmae}} b", &values, "test").unwrap_err();
        assert!(error.contains("unknown placeholder {{nmae}}"), "{error}");
        assert!(fill("a {{name b", &values, "test").is_err());
        let (text, used) = fill("{{! note }}a {{ name }} b", &values, "test").unwrap();
        assert_eq!(text, "a n b");
        assert!(used.contains("name"));

        // The default template of a resource without an example has nowhere
        // to take it from.
        let s = schema(vec![Attribute::computed("id", Type::String, "I.")], "D.");
        let error = render_page(Kind::Resource, "clerk_other", &s, None, None).unwrap_err();
        assert!(
            error.contains("there is no examples/resources/clerk_other/resource.tf"),
            "{error}"
        );
    }

    #[test]
    fn a_page_has_front_matter_title_example_and_schema() {
        let s = schema(
            vec![Attribute::computed("id", Type::String, "The **ID**.")],
            "Reads `things`.\n\nSecond paragraph.",
        );
        let page = render_page(
            Kind::DataSource,
            "clerk_other",
            &s,
            Some("data \"clerk_other\" \"x\" {}\n\n".to_string()),
            None,
        )
        .unwrap();
        assert!(page.starts_with("---\n"), "{page}");
        assert!(
            page.contains("page_title: \"clerk_other Data Source - terraform-provider-clerk\"\n")
        );
        assert!(page.contains("description: |-\n  Reads things.\n\n  Second paragraph.\n---\n"));
        assert!(page.contains("# clerk_other (Data Source)\n\nReads `things`."));
        assert!(page.contains("```terraform\ndata \"clerk_other\" \"x\" {}\n```\n"));
        assert!(page.contains("### Read-Only\n\n- `id` (String) The **ID**.\n"));
        assert!(!page.contains("## Import"));
        assert!(page.ends_with(".\n") && !page.ends_with("\n\n"));
        assert!(!page.contains(" \n"), "no trailing spaces");
    }

    #[test]
    fn the_readback_table_has_one_row_per_setting() {
        let table = readback_table("clerk_instance_settings");
        for setting in terraform_provider_clerk::resources::instance_settings::SETTINGS {
            let rows: Vec<&str> = table
                .lines()
                .filter(|l| l.starts_with(&format!("| `{}` |", setting.name)))
                .collect();
            assert_eq!(rows.len(), 1, "{}: {table}", setting.name);
        }
        assert!(table.contains("| `hibp` | with `drift_detection = true` |"));
        assert!(table.contains(
            "| `preferred_sign_in_strategy_when_password_required` | never | cannot be read back"
        ));
        assert!(table.contains("| `allowed_origins` | on every refresh |"));
    }

    #[test]
    fn environment_variables_come_from_the_provider_descriptions() {
        let provider = ClerkProvider::default();
        let table = environment_variables(&provider.schemas().provider);
        assert!(
            table.contains("| `CLERK_SECRET_KEY` | `secret_key` |"),
            "{table}"
        );
        assert!(table.contains("| `CLERK_API_URL` | `api_url` |"), "{table}");
        assert_eq!(table.lines().count(), 4, "{table}");
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration_words(120_000), "2 minutes");
        assert_eq!(duration_words(60_000), "1 minute");
        assert_eq!(duration_words(90_000), "90 seconds");
        assert_eq!(duration_words(1_500), "1500 milliseconds");
    }

    #[test]
    fn page_paths_follow_the_registry_layout() {
        assert_eq!(page_path(Kind::Provider, "clerk"), "index.md");
        assert_eq!(
            page_path(Kind::Resource, "clerk_instance_settings"),
            "resources/instance_settings.md"
        );
        assert_eq!(
            page_path(Kind::DataSource, "clerk_instance"),
            "data-sources/instance.md"
        );
    }
}
