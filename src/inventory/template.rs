//! Jinja in inventory variables, rendered as ansible-core 2.19 renders it
//! when a value is used: lazily and recursively. A variable whose value
//! is a template is rendered when a template reads it, in the scope of
//! the host it belongs to (`hostvars['bastion'].addr` renders `addr` as
//! bastion's), with Ansible's magic variables. What may be used inside a
//! template is the tables of [`super::jinja`]; anything else is refused.
//! Rendering is bounded: depth of variables referring to variables, and
//! the size of each result. A template that cannot be rendered is an error
//! naming the variable's file and line; its text is never used as a value.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use minijinja::value::{Enumerator, Object};
use minijinja::{Environment, Error, ErrorKind, Value as J};
use serde_yaml::Value;

use super::jinja;
use super::jinja::MAX_OUTPUT;
use super::magic::{self, Kind};
use super::timestamp;
use super::vars::to_json;
use super::vault::{self, VaultSecret};

mod groups;
mod hostvars;

pub(super) use hostvars::LOCALHOST;

/// What templates may read of the whole inventory.
#[derive(Clone)]
pub(crate) struct Facts {
    pub(super) hosts: BTreeMap<String, HostFacts>,
    /// Each group's hosts (Ansible's `groups`).
    pub(super) groups: BTreeMap<String, Vec<String>>,
    /// The groups in Ansible's order: `all`, `ungrouped`, then as they
    /// were made (a dict's order, seen by `groups | string`, `| list`).
    pub(super) group_order: Vec<String>,
    /// Groups whose hosts Ansible lists in an order that varies from run
    /// to run ([`Model::order_is_fixed`](super::model::Model::order_is_fixed)):
    /// reading one through `groups` is refused.
    pub(super) unordered: std::collections::BTreeSet<String>,
    /// The environment variables hosts name as their password's
    /// (`sshfleet_password_env`), gathered once when first needed.
    pub(super) password_envs: std::sync::OnceLock<std::collections::HashSet<String>>,
    /// The host `hostvars['localhost']` (or `127.0.0.1`, `::1`) reaches
    /// when no host has that name: the inventory's first localhost-like
    /// host, else Ansible's implicit `localhost` (in `hosts`, marked
    /// implicit), or why its variables could not be read.
    pub(super) localhost: Result<String, String>,
    /// Whether any template may read a secret: the inventory holds one (a
    /// secret name, a `!vault` value, a vault-encrypted file) or a
    /// template may read the environment (`lookup`, `query`, `q`). When
    /// not, secret discovery renders no template it need not.
    pub(super) secrets_readable: bool,
}

/// One host as templates see it.
#[derive(Clone)]
pub(crate) struct HostFacts {
    /// Effective variables, untemplated (shared with the inventory's host).
    pub(super) vars: super::HostVars,
    /// The groups it belongs to, `all` excluded, sorted (`group_names`).
    pub(super) group_names: Vec<String>,
    /// The first source that named the host (`inventory_file`).
    pub(super) source: Option<PathBuf>,
    /// Ansible's implicit localhost, which no source names.
    pub(super) implicit: bool,
}

impl std::fmt::Debug for Facts {
    // Variables may be secrets: never shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Facts { .. }")
    }
}

/// Most variables a template may go through, each referring to the next.
const MAX_DEPTH: usize = 32;

/// A variable being rendered: host, name, and whether it was reached
/// through `hostvars` (then rendered without it, as Ansible does).
type VarKey = (String, String, bool);

/// One rendering session: the inventory, the vault password, the
/// variables being rendered (to find loops) and those already rendered.
struct World {
    facts: Arc<Facts>,
    secret: Option<VaultSecret>,
    env: Environment<'static>,
    rendering: Mutex<Vec<VarKey>>,
    /// The last name a template looked up and did not find.
    missing: Mutex<Option<String>>,
    /// Why the template being rendered read a name sshfleet refuses
    /// ([`super::magic`]): it fails whatever it did with the value.
    refused: Mutex<Option<String>>,
    done: Mutex<HashMap<VarKey, Rendered>>,
    /// Whether the variable being rendered read a secret (docs/SECURITY.md
    /// I4): a vault value, a secret-named variable, the environment
    /// variable of a password, or a variable that read one.
    tainted: Mutex<bool>,
    /// Failures of variables a template read, each already shown or
    /// withheld by its own variable's rule: passed on as they are.
    vetted: Mutex<std::collections::HashSet<String>>,
}

/// A variable rendered, and whether its rendering read a secret: then its
/// value is a secret too (`{{ vault_pw | lower }}`, `{{ vault_pw[0:5]
/// }}.example.com`), masked wherever it is shown or stored. Coarse: a
/// value that only depends on a secret (`'a' if vault_pw else 'b'`) is
/// masked as well.
type Rendered = (Result<J, Failure>, bool);

/// Why a value could not be rendered. An undefined variable deep inside
/// makes the value undefined, as in Ansible (so `| default` applies).
#[derive(Debug, Clone)]
struct Failure {
    message: String,
    undefined: bool,
    /// It read a name sshfleet refuses: a template reading this variable
    /// fails too, also under `default` or `is defined`.
    refused: bool,
}

impl Failure {
    fn other(message: String) -> Failure {
        Failure {
            message,
            undefined: false,
            refused: false,
        }
    }
}

pub(super) struct Templar {
    world: Arc<World>,
    host: String,
}

impl Templar {
    /// Templates for `host` of `facts` (or, without them, an inventory of
    /// that one host with `vars`).
    pub(super) fn new(
        host: &str,
        groups: &[String],
        vars: &super::HostVars,
        secret: Option<&VaultSecret>,
        facts: Option<&Arc<Facts>>,
    ) -> Templar {
        let facts = match facts {
            Some(f) => f.clone(),
            None => {
                let mut group_names: Vec<String> =
                    groups.iter().filter(|g| *g != "all").cloned().collect();
                group_names.sort();
                let one = HostFacts {
                    vars: vars.clone(),
                    group_names,
                    source: None,
                    implicit: false,
                };
                Arc::new(Facts {
                    hosts: BTreeMap::from([(host.to_string(), one)]),
                    groups: BTreeMap::new(),
                    group_order: Vec::new(),
                    unordered: Default::default(),
                    password_envs: std::sync::OnceLock::new(),
                    secrets_readable: true,
                    localhost: Err("the inventory is not known here".to_string()),
                })
            }
        };
        let world = World {
            facts,
            secret: secret.cloned(),
            env: super::environment::environment(),
            rendering: Mutex::new(Vec::new()),
            missing: Mutex::new(None),
            refused: Mutex::new(None),
            done: Mutex::new(HashMap::new()),
            tainted: Mutex::new(false),
            vetted: Mutex::new(std::collections::HashSet::new()),
        };
        Templar {
            world: Arc::new(world),
            host: host.to_string(),
        }
    }

    /// The host's variable `name`, rendered (`Ok(None)` if it is not set).
    pub(super) fn var(&self, name: &str) -> Result<Option<serde_json::Value>, String> {
        match World::var(&self.world, &self.host, name, false) {
            None => Ok(None),
            Some(Ok(v)) => to_plain(&v).map(Some),
            Some(Err(e)) => Err(e.message),
        }
    }
}

impl Templar {
    /// Whether the host's variable `name` renders as Ansible renders it
    /// (`Ok` if it is not set): a value sshfleet cannot carry (a float
    /// that is not finite) renders in Ansible, and is refused only where
    /// it is used ([`Templar::var`]), as Ansible types only the variable
    /// that wins.
    pub(super) fn renders(&self, name: &str) -> Result<(), String> {
        match World::var(&self.world, &self.host, name, false) {
            Some(Ok(v)) if v.is_undefined() => {
                Err("the template renders to an undefined value".to_string())
            }
            Some(Err(e)) => Err(e.message),
            _ => Ok(()),
        }
    }

    /// Whether rendering the host's variable `name` read a secret (see
    /// [`Rendered`]): its value is then a secret.
    pub(super) fn reads_secret(&self, name: &str) -> bool {
        World::var(&self.world, &self.host, name, false);
        let key = (self.host.clone(), name.to_string(), false);
        self.world
            .lock_done()
            .get(&key)
            .is_some_and(|(_, tainted)| *tainted)
    }

    /// Whether the host's variable `name` renders to a date or datetime
    /// (an unquoted YAML timestamp, or a template of one alone), which
    /// Ansible passes on as a Python object, not as text.
    pub(super) fn is_timestamp(&self, name: &str) -> bool {
        matches!(
            World::var(&self.world, &self.host, name, false),
            Some(Ok(v)) if timestamp::in_template(&v).is_some()
        )
    }
}

/// A rendered value as JSON (undefined is an error, and so is a float
/// that is not finite, which JSON cannot hold: Ansible keeps `inf`; a
/// timestamp is its Python `str()`).
fn to_plain(value: &J) -> Result<serde_json::Value, String> {
    if value.is_undefined() {
        return Err("the template renders to an undefined value".to_string());
    }
    if let Some(f) = not_finite(value) {
        return Err(format!(
            "the value is the float `{}`, which sshfleet does not carry (Ansible keeps it as a float)",
            jinja::py_float(f)
        ));
    }
    serde_json::to_value(value).map_err(|e| e.to_string())
}

/// A float in `value` (or in its items) that is `inf`, `-inf` or `nan`.
fn not_finite(value: &J) -> Option<f64> {
    match value.kind() {
        minijinja::value::ValueKind::Number if !jinja::is_int(value) => {
            jinja::as_float(value).filter(|f| !f.is_finite())
        }
        minijinja::value::ValueKind::Seq | minijinja::value::ValueKind::Map => {
            value.try_iter().ok()?.find_map(|k| {
                let item = if value.kind() == minijinja::value::ValueKind::Map {
                    value.get_item(&k).ok()?
                } else {
                    k
                };
                not_finite(&item)
            })
        }
        _ => None,
    }
}

/// A YAML value as Jinja reads it: as its JSON, except that a float keeps
/// `inf` and `nan` (YAML's `.inf`, `.nan`), which JSON would make null.
fn plain(value: &Value) -> J {
    match value {
        Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => {
            n.as_f64().map_or(J::from(()), J::from)
        }
        Value::Sequence(items) => J::from(items.iter().map(plain).collect::<Vec<J>>()),
        Value::Mapping(map) => J::from_iter(
            map.iter()
                .map(|(k, v)| (super::vars::scalar_text(k).unwrap_or_default(), plain(v))),
        ),
        Value::Tagged(t) if t.tag != "vault" => plain(&t.value),
        other => J::from_serialize(to_json(other)),
    }
}

impl World {
    /// `host`'s variable `name`, rendered once; `None` if not set.
    /// `nested`: reached through `hostvars`, where Ansible 2.19 renders
    /// the variable without `hostvars` of its own.
    fn var(world: &Arc<World>, host: &str, name: &str, nested: bool) -> Option<Result<J, Failure>> {
        let raw = world.facts.hosts.get(host)?.vars.get(name)?;
        let key = (host.to_string(), name.to_string(), nested);
        if let Some((done, tainted)) = world.lock_done().get(&key).cloned() {
            world.taint(tainted);
            return Some(done);
        }
        {
            let mut rendering = world.lock_rendering();
            if rendering.contains(&key) {
                return Some(Err(Failure::other(format!(
                    "`{name}` of host {host} refers to itself (a recursive loop)"
                ))));
            }
            if rendering.len() >= MAX_DEPTH {
                return Some(Err(Failure::other(format!(
                    "templates refer to each other more than {MAX_DEPTH} deep"
                ))));
            }
            rendering.push(key.clone());
        }
        let outer = std::mem::replace(&mut *world.lock_tainted(), false);
        let outer_env = super::jinja::take_env_read();
        let result = World::value(world, host, raw, nested).map_err(|mut f| {
            let e = &f.message;
            if e.starts_with("is ") {
                f.message = format!("`{name}` of host {host} {e}");
            } else if !e.starts_with('`') || f.undefined {
                f.message = format!("`{name}` of host {host}: {e}");
            }
            f
        });
        world.lock_rendering().retain(|k| k != &key);
        let env_read = super::jinja::take_env_read();
        let tainted = std::mem::replace(&mut *world.lock_tainted(), outer)
            || crate::support::secrets::is_secret_name(name)
            || env_read.iter().any(|e| world.is_password_env(e));
        super::jinja::restore_env_read(outer_env, env_read);
        world.taint(tainted);
        // Why a template that read a secret fails may quote a value
        // computed from it (`'SUP3RS3CRET' | bool`), which no set of
        // known secrets holds: withheld.
        // (A vault value's own errors are vault's: they quote nothing.)
        let decrypted = matches!(raw, Value::Tagged(t) if t.tag == "vault");
        let result = match result {
            Err(f)
                if tainted
                    && !decrypted
                    && !f.undefined
                    && !f.refused
                    && !world.is_vetted(&f.message) =>
            {
                Err(Failure::other(format!(
                    "`{name}` of host {host} cannot be rendered; the template read a secret, so the reason is not shown (it may quote a value computed from the secret)"
                )))
            }
            other => other,
        };
        // A value that read a secret is a secret wherever it is used
        // (`ansible_port: "{{ ansible_password }}"`, `ansible_user: "{{
        // vault_pw | upper }}"`): the run masks it in every text, the
        // error quoting the port included.
        if tainted
            && let Ok(value) = &result
            && let Ok(plain) = serde_json::to_value(value)
        {
            super::secret_leaves::remember_derived(name, raw, &plain);
        }
        world.lock_done().insert(key, (result.clone(), tainted));
        Some(result)
    }

    fn lock_done(&self) -> std::sync::MutexGuard<'_, HashMap<VarKey, Rendered>> {
        self.done
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn vet(&self, message: &str) {
        self.vetted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(message.to_string());
    }

    fn is_vetted(&self, message: &str) -> bool {
        self.vetted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .contains(message)
    }

    fn lock_tainted(&self) -> std::sync::MutexGuard<'_, bool> {
        self.tainted
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The variable being rendered read a secret (if `read`).
    fn taint(&self, read: bool) {
        if read {
            *self.lock_tainted() = true;
        }
    }

    /// Whether the environment variable `name` holds a secret: its name
    /// says so (`ESA_PASSWORD`), or a host names it as its password's
    /// (`sshfleet_password_env`).
    fn is_password_env(&self, name: &str) -> bool {
        crate::support::secrets::is_secret_name(name)
            || self
                .facts
                .password_envs
                .get_or_init(|| {
                    self.facts
                        .hosts
                        .values()
                        .filter_map(|h| {
                            h.vars
                                .get(super::PASSWORD_ENV_VAR)
                                .and_then(super::vars::scalar_text)
                        })
                        .collect()
                })
                .contains(name)
    }

    fn lock_refused(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.refused
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Remember that the template being rendered read a refused name.
    fn refuse(&self, message: String) {
        let mut refused = self.lock_refused();
        if refused.is_none() {
            *refused = Some(message);
        }
    }

    fn lock_rendering(&self) -> std::sync::MutexGuard<'_, Vec<VarKey>> {
        self.rendering
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// A raw value rendered in `host`'s scope: text with Jinja rendered,
    /// lists and mappings item by item, `!vault` decrypted, `!unsafe` kept.
    fn value(world: &Arc<World>, host: &str, raw: &Value, nested: bool) -> Result<J, Failure> {
        match raw {
            Value::Tagged(t) if t.tag == "vault" => {
                let text = super::vars::scalar_text(&t.value).unwrap_or_default();
                vault::decrypt(&text, world.secret.as_ref())
                    .inspect(|plain| {
                        world.taint(true);
                        crate::support::secrets::remember(plain);
                    })
                    .map(J::from)
                    .map_err(|e| {
                        Failure::other(match e {
                            vault::VaultError::NoPassword => {
                                "is vault-encrypted and no vault password was given".to_string()
                            }
                            other => other.to_string(),
                        })
                    })
            }
            Value::Tagged(t) if t.tag == "unsafe" => Ok(plain(&t.value)),
            Value::Tagged(t) if t.tag == timestamp::TAG => timestamp::of(raw)
                .map(|stamp| J::from_object(timestamp::Timestamp(stamp)))
                .ok_or_else(|| Failure::other("is not a valid timestamp".to_string())),
            Value::String(s) if is_template(s) => World::render(world, host, s, nested),
            Value::Sequence(items) => items
                .iter()
                .map(|v| World::value(world, host, v, nested))
                .collect::<Result<Vec<J>, Failure>>()
                .map(J::from),
            Value::Mapping(map) => {
                // In the mapping's order, as Python's dict prints it.
                let mut out = Vec::with_capacity(map.len());
                for (k, v) in map {
                    let key = super::vars::scalar_text(k).unwrap_or_default();
                    out.push((key, World::value(world, host, v, nested)?));
                }
                Ok(J::from_iter(out))
            }
            other => Ok(plain(other)),
        }
    }

    /// One template: a template that is one `{{ expression }}` keeps the
    /// expression's type (Ansible's native types), anything else is text.
    fn render(world: &Arc<World>, host: &str, text: &str, nested: bool) -> Result<J, Failure> {
        let outer = world.lock_refused().take();
        let result = World::render_once(world, host, text, nested);
        let refused = std::mem::replace(&mut *world.lock_refused(), outer);
        match refused {
            Some(message) => Err(Failure {
                message,
                undefined: false,
                refused: true,
            }),
            None => result,
        }
    }

    fn render_once(world: &Arc<World>, host: &str, text: &str, nested: bool) -> Result<J, Failure> {
        // Jinja's lexer reads every newline as `\n` and drops one trailing
        // newline, so `{{ uid }}\n` is one expression (native: the int).
        let normalized = text.replace("\r\n", "\n").replace('\r', "\n");
        let source = normalized.strip_suffix('\n').unwrap_or(&normalized);
        let prepared = jinja::prepare(source).map_err(Failure::other)?;
        // A name missing in an earlier template is not this one's reason.
        if let Ok(mut missing) = world.missing.lock() {
            *missing = None;
        }
        let scope = J::from_object(Scope {
            world: world.clone(),
            host: host.to_string(),
            nested,
            in_vars: false,
        });
        let explain = |e: Error| -> Failure {
            let mut message = e.detail().map_or_else(|| e.to_string(), String::from);
            let mut source = std::error::Error::source(&e);
            while let Some(inner) = source {
                if let Some(inner) = inner.downcast_ref::<Error>() {
                    message = inner
                        .detail()
                        .map_or_else(|| inner.to_string(), String::from);
                }
                source = inner.source();
            }
            // The template's text may hold a secret: never quoted.
            if e.kind() == ErrorKind::UndefinedError {
                let message = match world.missing.lock().ok().and_then(|m| m.clone()) {
                    Some(reason) => reason,
                    None => "a variable it uses is undefined".to_string(),
                };
                Failure {
                    message,
                    undefined: true,
                    refused: false,
                }
            } else {
                Failure::other(message)
            }
        };
        let value = match single_expression(&prepared) {
            Some(expr) => {
                let expr = super::rewrite::expression(expr).map_err(Failure::other)?;
                let compiled = world.env.compile_expression_owned(expr).map_err(explain)?;
                let value = compiled.eval(&scope).map_err(explain)?;
                if value.is_undefined() {
                    return Err(Failure {
                        message: match world.missing.lock().ok().and_then(|m| m.clone()) {
                            Some(reason) => reason,
                            None => "the template renders to an undefined value".to_string(),
                        },
                        undefined: true,
                        refused: false,
                    });
                }
                value
            }
            None => {
                let rewritten = super::rewrite::template(&prepared).map_err(Failure::other)?;
                let out = world.env.render_str(&rewritten, &scope).map_err(explain)?;
                if prepared.contains("{%") && renders_one_value(&out) {
                    return Err(Failure::other(format!(
                        "its `{{% %}}` statements leave output that reads as a Python value (`{out}`): ansible-core 2.19 keeps the type of a template that outputs one value (a list, number, boolean), which sshfleet does not tell from text; write it as one `{{{{ }}}}` expression"
                    )));
                }
                J::from(out)
            }
        };
        // Ansible's `preserve_trailing_newlines`: a text result gets back
        // the `\n`s the source ended with (a `\r` counts as none).
        let value = match value.as_str() {
            Some(out) => {
                let trailing = |t: &str| t.len() - t.trim_end_matches('\n').len();
                let missing = trailing(text).saturating_sub(trailing(out));
                if missing > 0 {
                    J::from(format!("{out}{}", "\n".repeat(missing)))
                } else {
                    value
                }
            }
            None => value,
        };
        // Undefined inside a list or mapping fails as Ansible's finalize.
        let size = jinja::py_str(&value).map_err(explain)?.len();
        if size > MAX_OUTPUT {
            return Err(Failure::other(format!(
                "the template renders to {size} bytes, more than the {MAX_OUTPUT} allowed"
            )));
        }
        Ok(value)
    }
}

/// Whether a template's text output may be one value of another type to
/// ansible-core 2.19 (its native concat returns a single output node as
/// it is): the output reads as a Python literal other than a string.
fn renders_one_value(out: &str) -> bool {
    match super::pyliteral::literal_value(out.trim_end_matches('\n')) {
        Ok(serde_yaml::Value::String(_)) => false,
        // Bytes (`b'x'`), which the INI reader keeps as untrusted text.
        Ok(serde_yaml::Value::Tagged(t)) => !t.value.is_string(),
        _ => true,
    }
}

/// Whether Ansible would template this text.
fn is_template(s: &str) -> bool {
    s.contains("{{") || s.contains("{%") || s.contains("{#")
}

/// The expression of a template that is exactly one `{{ ... }}`.
fn single_expression(prepared: &str) -> Option<&str> {
    let inner = prepared.strip_prefix("{{")?.strip_suffix("}}")?;
    let tokens = minijinja::machinery::tokenize(
        prepared,
        false,
        minijinja::syntax::SyntaxConfig,
        jinja::whitespace(),
    );
    let mut starts = 0;
    for token in tokens {
        match token.ok()?.0 {
            minijinja::machinery::Token::VariableStart => starts += 1,
            minijinja::machinery::Token::TemplateData(_)
            | minijinja::machinery::Token::BlockStart => return None,
            _ => {}
        }
    }
    let inner = inner.strip_prefix('-').unwrap_or(inner);
    let inner = inner.strip_suffix('-').unwrap_or(inner);
    (starts == 1).then_some(inner)
}

/// A host's variables and magic variables, each rendered when read.
#[derive(Debug)]
struct Scope {
    world: Arc<World>,
    host: String,
    /// Reached through `hostvars[...]`: ansible-core 2.19 renders such a
    /// host's variables with its other variables and magic variables, but
    /// no `hostvars` ("'hostvars' is undefined"), so a chain of bastions
    /// that each name the one before through `hostvars` fails the host.
    nested: bool,
    /// This is `vars` (the host's variables read as `vars['name']`).
    in_vars: bool,
}

impl std::fmt::Debug for World {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("World { .. }")
    }
}

impl Object for Scope {
    fn get_value(self: &Arc<Self>, key: &J) -> Option<J> {
        let name = key.as_str()?;
        let me = self.world.facts.hosts.get(&self.host)?;
        // Ansible combines its magic variables over the host's own.
        match magic::kind(name) {
            Some(Kind::Refused(_)) => {
                self.world.refuse(magic::refusal(name).unwrap_or_default());
                return Some(J::UNDEFINED);
            }
            Some(Kind::Magic) if me.implicit && name.starts_with("inventory_hostname") => {
                self.world.refuse(hostvars::IMPLICIT_NAME.to_string());
                return Some(J::UNDEFINED);
            }
            Some(Kind::Magic) => return Some(self.magic(name, me)),
            Some(Kind::Vars) if self.nested || self.in_vars => {
                self.world.refuse(magic::vars_refusal(
                    "read through hostvars[...] or vars[...]",
                ));
                return Some(J::UNDEFINED);
            }
            // The host's variables, each read as a bare name is.
            Some(Kind::Vars) => {
                return Some(J::from_object(Scope {
                    world: self.world.clone(),
                    host: self.host.clone(),
                    nested: self.nested,
                    in_vars: true,
                }));
            }
            // The template function of that name.
            Some(Kind::Function) => return None,
            Some(Kind::InventoryVar | Kind::Keyword) | None => {}
        }
        match World::var(&self.world, &self.host, name, self.nested) {
            Some(Ok(value)) => return Some(value),
            Some(Err(f)) if f.refused => {
                self.world.refuse(f.message);
                return Some(J::UNDEFINED);
            }
            Some(Err(f)) if f.undefined => {
                // Undefined, as Ansible makes it: `| default` may apply.
                if let Ok(mut missing) = self.world.missing.lock() {
                    *missing = Some(f.message);
                }
                return Some(J::UNDEFINED);
            }
            Some(Err(f)) => {
                self.world.vet(&f.message);
                return Some(J::from(Error::new(ErrorKind::InvalidOperation, f.message)));
            }
            None => {}
        }
        match name {
            "inventory_file" | "inventory_dir" | "ansible_python_interpreter" if me.implicit => {
                hostvars::implicit_unset(&self.world, name)
            }
            "inventory_file" => Some(
                me.source
                    .as_ref()
                    .map_or(J::from(()), |p| J::from(p.display().to_string())),
            ),
            "inventory_dir" => Some(
                me.source
                    .as_ref()
                    .map_or(J::from(()), |p| J::from(magic::base_dir(p))),
            ),
            // The functions of `rewrite` are looked up here first: not a
            // missing variable.
            _ if super::rewrite::REWRITTEN.iter().any(|(_, f)| *f == name) => None,
            _ if super::facts::fact_refusal(name).is_some() => {
                self.world
                    .refuse(super::facts::fact_refusal(name).unwrap_or_default());
                Some(J::UNDEFINED)
            }
            _ => {
                if let Ok(mut missing) = self.world.missing.lock() {
                    *missing = Some(format!("`{name}` is undefined"));
                }
                None
            }
        }
    }

    fn enumerate(self: &Arc<Self>) -> Enumerator {
        let mut keys: Vec<J> = self
            .world
            .facts
            .hosts
            .get(&self.host)
            .map(|h| h.vars.keys().map(|k| J::from(k.as_str())).collect())
            .unwrap_or_default();
        keys.extend(jinja::MAGIC.iter().map(|m| J::from(*m)));
        Enumerator::Values(keys)
    }
}

impl Scope {
    /// A magic variable of [`Kind::Magic`], as Ansible computes it.
    fn magic(self: &Arc<Self>, name: &str, me: &HostFacts) -> J {
        match name {
            "inventory_hostname" => J::from(self.host.as_str()),
            "inventory_hostname_short" => J::from(magic::short_name(&self.host)),
            "group_names" => J::from_serialize(&me.group_names),
            "groups" => J::from_object(groups::Groups {
                world: self.world.clone(),
            }),
            // Ansible makes it an undefined value that `hostvars[..][..]`
            // keeps undefined and a `default` then replaces; sshfleet's
            // undefined does not chain so, and so refuses it rather than
            // let an outer `default` pick another value than Ansible's.
            "hostvars" if self.nested => {
                self.world.refuse(
                    "`hostvars` is used in a variable reached through hostvars[...], where ansible-core 2.19 has no `hostvars` ('hostvars' is undefined): not supported"
                        .to_string(),
                );
                J::UNDEFINED
            }
            "hostvars" => J::from_object(hostvars::HostVars(self.world.clone())),
            other => {
                self.world.refuse(format!(
                    "`{other}` is a magic variable sshfleet does not compute"
                ));
                J::UNDEFINED
            }
        }
    }
}
