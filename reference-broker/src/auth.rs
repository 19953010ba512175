//! Authentication (MQTT 3.1.1 §3.1.3.4–5 and §5.4.1; MQTT 5.0 §4.12 and §5.4.1).
//!
//! One credential format serves both ways a client can prove who it is: the stored
//! form of SCRAM-SHA-256 (RFC 5802 / RFC 7677), written as RFC 5803 describes it:
//! `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>` (base64). A plain
//! CONNECT password is checked by deriving the StoredKey from it; the 5.0 enhanced
//! authentication method `SCRAM-SHA-256` runs the challenge–response exchange over
//! AUTH packets without the password ever crossing the wire. The server never holds
//! a password, only what RFC 5803 stores.
//!
//! The primitives (PBKDF2, HMAC, SHA-256, base64, constant-time comparison) come from
//! RustCrypto crates; this module holds only the SCRAM message grammar and state.
//! Nonces are derived from a seed the caller supplies, so the core stays deterministic.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// The enhanced authentication method this broker offers.
pub const SCRAM_SHA_256: &str = "SCRAM-SHA-256";

/// Iterations used when hashing a new password (RFC 7677 asks for at least 4096).
pub const DEFAULT_ITERATIONS: u32 = 4096;

/// What the server stores for one user (RFC 5803).
#[derive(Clone, PartialEq, Eq)]
pub struct Credential {
    iterations: u32,
    salt: Vec<u8>,
    stored_key: [u8; 32],
    server_key: [u8; 32],
}

impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Keys stay out of logs.
        f.debug_struct("Credential").field("iterations", &self.iterations).finish_non_exhaustive()
    }
}

fn hmac(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

fn salted_password(password: &[u8], salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sha256>(password, salt, iterations, &mut out);
    out
}

fn key32(text: &str) -> Option<[u8; 32]> {
    B64.decode(text).ok()?.try_into().ok()
}

impl Credential {
    /// Derives the stored form of `password` with `salt` and `iterations`.
    pub fn derive(password: &str, salt: &[u8], iterations: u32) -> Credential {
        let salted = salted_password(password.as_bytes(), salt, iterations.max(1));
        let client_key = hmac(&salted, b"Client Key");
        Credential {
            iterations: iterations.max(1),
            salt: salt.to_vec(),
            stored_key: Sha256::digest(client_key).into(),
            server_key: hmac(&salted, b"Server Key"),
        }
    }

    /// Parses the RFC 5803 form.
    pub fn parse(text: &str) -> Result<Credential, &'static str> {
        let rest = text.strip_prefix("SCRAM-SHA-256$").ok_or("expected SCRAM-SHA-256$ at the start")?;
        let (params, keys) =
            rest.split_once('$').ok_or("expected <iterations>:<salt>$<StoredKey>:<ServerKey>")?;
        let (iterations, salt) = params.split_once(':').ok_or("expected <iterations>:<salt>")?;
        let iterations: u32 = iterations.parse().map_err(|_| "iterations is not a number")?;
        if iterations == 0 {
            return Err("iterations must be at least 1");
        }
        let salt = B64.decode(salt).map_err(|_| "salt is not base64")?;
        let (stored, server) = keys.split_once(':').ok_or("expected <StoredKey>:<ServerKey>")?;
        let stored_key = key32(stored).ok_or("StoredKey is not 32 bytes of base64")?;
        let server_key = key32(server).ok_or("ServerKey is not 32 bytes of base64")?;
        Ok(Credential { iterations, salt, stored_key, server_key })
    }

    /// Whether `password` is the one this credential was derived from.
    pub fn verify(&self, password: &[u8]) -> bool {
        let salted = salted_password(password, &self.salt, self.iterations);
        let stored: [u8; 32] = Sha256::digest(hmac(&salted, b"Client Key")).into();
        bool::from(stored.ct_eq(&self.stored_key))
    }
}

impl fmt::Display for Credential {
    /// The RFC 5803 form, as the password file holds it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SCRAM-SHA-256${}:{}${}:{}",
            self.iterations,
            B64.encode(&self.salt),
            B64.encode(self.stored_key),
            B64.encode(self.server_key)
        )
    }
}

/// The users of a password file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Users {
    by_name: BTreeMap<String, Credential>,
}

/// A password file line that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}:{line}: {message}")]
pub struct UsersError {
    /// File name.
    pub origin: String,
    /// 1-based line.
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

impl Users {
    /// Parses a password file: one `user:credential` per line, `#` comments and blank
    /// lines ignored. `origin` names the file in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Users, UsersError> {
        let mut by_name = BTreeMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let err = |message: String| UsersError { origin: origin.to_string(), line: i + 1, message };
            let (name, cred) = line.split_once(':').ok_or_else(|| err("expected user:credential".into()))?;
            if name.is_empty() {
                return Err(err("empty user name".into()));
            }
            let cred = Credential::parse(cred).map_err(|m| err(format!("user {name:?}: {m}")))?;
            if by_name.insert(name.to_string(), cred).is_some() {
                return Err(err(format!("user {name:?} appears twice")));
            }
        }
        Ok(Users { by_name })
    }

    /// Adds or replaces a user.
    pub fn insert(&mut self, name: &str, credential: Credential) {
        self.by_name.insert(name.to_string(), credential);
    }

    /// Adds every user of `other`, replacing those of the same name.
    pub fn merge(&mut self, other: Users) {
        self.by_name.extend(other.by_name);
    }

    /// The credential of `name`.
    pub fn get(&self, name: &str) -> Option<&Credential> {
        self.by_name.get(name)
    }

    /// Checks a CONNECT user name and password.
    pub fn check_password(&self, name: &str, password: &[u8]) -> bool {
        self.get(name).is_some_and(|c| c.verify(password))
    }
}

/// Why a SCRAM exchange failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScramError {
    /// A message does not follow the RFC 5802 grammar, or asks for channel binding.
    Malformed,
    /// Unknown user or wrong proof (not told apart, so user names cannot be probed).
    BadCredentials,
}

/// A SCRAM-SHA-256 exchange after the server's first message, waiting for the
/// client's final message.
#[derive(Debug, Clone)]
pub struct ScramPending {
    user: String,
    credential: Option<Credential>,
    gs2_header: String,
    nonce: String,
    /// client-first-message-bare "," server-first-message
    auth_prefix: String,
}

/// Reverses the RFC 5802 saslname escaping (`=2C` is `,`, `=3D` is `=`).
fn unescape_name(name: &str) -> Option<String> {
    let mut out = String::with_capacity(name.len());
    let mut rest = name;
    while let Some(i) = rest.find('=') {
        out.push_str(&rest[..i]);
        match rest.get(i + 1..i + 3) {
            Some("2C") => out.push(','),
            Some("3D") => out.push('='),
            _ => return None,
        }
        rest = &rest[i + 3..];
    }
    out.push_str(rest);
    Some(out)
}

impl ScramPending {
    /// Takes the client-first-message; returns the exchange and the
    /// server-first-message. `server_nonce` must be fresh and unpredictable.
    /// `decoy_salt` stands in for an unknown user's salt, so that the answer does not
    /// reveal whether the user exists.
    pub fn start(
        users: &Users,
        client_first: &[u8],
        server_nonce: &str,
        decoy_salt: &[u8],
    ) -> Result<(ScramPending, String), ScramError> {
        let text = std::str::from_utf8(client_first).map_err(|_| ScramError::Malformed)?;
        // gs2-header: "n" or "y" (no channel binding here; "p=" asks for it), then an
        // optional authzid.
        let mut parts = text.splitn(3, ',');
        let flag = parts.next().ok_or(ScramError::Malformed)?;
        let authzid = parts.next().ok_or(ScramError::Malformed)?;
        let bare = parts.next().ok_or(ScramError::Malformed)?;
        if !(flag == "n" || flag == "y") || !(authzid.is_empty() || authzid.starts_with("a=")) {
            return Err(ScramError::Malformed);
        }
        let gs2_header = format!("{flag},{authzid},");
        let mut fields = bare.split(',');
        let user = fields.next().and_then(|f| f.strip_prefix("n=")).ok_or(ScramError::Malformed)?;
        let client_nonce = fields.next().and_then(|f| f.strip_prefix("r=")).ok_or(ScramError::Malformed)?;
        let printable = |s: &str| !s.is_empty() && s.bytes().all(|b| (0x21..=0x7E).contains(&b) && b != b',');
        if !printable(client_nonce) {
            return Err(ScramError::Malformed);
        }
        let user = unescape_name(user).filter(|u| !u.is_empty()).ok_or(ScramError::Malformed)?;
        let credential = users.get(&user).cloned();
        let (salt, iterations) = match &credential {
            Some(c) => (c.salt.clone(), c.iterations),
            None => (decoy_salt.to_vec(), DEFAULT_ITERATIONS),
        };
        let nonce = format!("{client_nonce}{server_nonce}");
        let server_first = format!("r={nonce},s={},i={iterations}", B64.encode(salt));
        let auth_prefix = format!("{bare},{server_first}");
        Ok((ScramPending { user, credential, gs2_header, nonce, auth_prefix }, server_first))
    }

    /// The user name the client authenticates as.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// Takes the client-final-message; on success returns the server-final-message.
    pub fn finish(&self, client_final: &[u8]) -> Result<String, ScramError> {
        let text = std::str::from_utf8(client_final).map_err(|_| ScramError::Malformed)?;
        let (without_proof, proof) = text.rsplit_once(",p=").ok_or(ScramError::Malformed)?;
        let mut fields = without_proof.split(',');
        let binding = fields.next().and_then(|f| f.strip_prefix("c=")).ok_or(ScramError::Malformed)?;
        let nonce = fields.next().and_then(|f| f.strip_prefix("r=")).ok_or(ScramError::Malformed)?;
        if B64.decode(binding).ok().as_deref() != Some(self.gs2_header.as_bytes()) || nonce != self.nonce {
            return Err(ScramError::Malformed);
        }
        let proof: [u8; 32] =
            B64.decode(proof).ok().and_then(|p| p.try_into().ok()).ok_or(ScramError::Malformed)?;
        let credential = self.credential.as_ref().ok_or(ScramError::BadCredentials)?;
        let auth_message = format!("{},{without_proof}", self.auth_prefix);
        let signature = hmac(&credential.stored_key, auth_message.as_bytes());
        let mut client_key = [0u8; 32];
        for (k, (p, s)) in client_key.iter_mut().zip(proof.iter().zip(signature)) {
            *k = p ^ s;
        }
        let stored: [u8; 32] = Sha256::digest(client_key).into();
        if !bool::from(stored.ct_eq(&credential.stored_key)) {
            return Err(ScramError::BadCredentials);
        }
        let server_signature = hmac(&credential.server_key, auth_message.as_bytes());
        Ok(format!("v={}", B64.encode(server_signature)))
    }
}

/// The client's half of SCRAM-SHA-256, for test clients: the client-final-message
/// answering `server_first` for `password`, after the client-first-message-bare
/// `client_first_bare` (gs2 header `n,,`). `None` when `server_first` is not a
/// server-first-message or asks for more than a million iterations.
pub fn scram_client_final(password: &str, client_first_bare: &str, server_first: &str) -> Option<String> {
    let field = |key: &str| server_first.split(',').find_map(|f| f.strip_prefix(key));
    let nonce = field("r=")?;
    let salt = B64.decode(field("s=")?).ok()?;
    let iterations: u32 = field("i=")?.parse().ok().filter(|i| (1..=1_000_000).contains(i))?;
    let salted = salted_password(password.as_bytes(), &salt, iterations);
    let client_key = hmac(&salted, b"Client Key");
    let stored_key: [u8; 32] = Sha256::digest(client_key).into();
    let without_proof = format!("c={},r={nonce}", B64.encode("n,,"));
    let auth_message = format!("{client_first_bare},{server_first},{without_proof}");
    let signature = hmac(&stored_key, auth_message.as_bytes());
    let proof: Vec<u8> = client_key.iter().zip(signature).map(|(k, s)| k ^ s).collect();
    Some(format!("{without_proof},p={}", B64.encode(proof)))
}

/// One user given inline in a configuration.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct InlineUser {
    name: String,
    password: String,
}

/// Reads `users: [{name, password}]`: each password is hashed at once (random salt,
/// [`DEFAULT_ITERATIONS`]) and only its credential kept.
pub(crate) fn inline_users<'de, D>(d: D) -> Result<Option<Users>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    use serde::de::Error;
    let list = <Vec<InlineUser> as serde::Deserialize>::deserialize(d)?;
    let mut users = Users::default();
    for u in list {
        if u.name.is_empty() {
            return Err(D::Error::custom("users: empty user name"));
        }
        if users.get(&u.name).is_some() {
            return Err(D::Error::custom(format!("users: user {:?} appears twice", u.name)));
        }
        let credential = hash_password(&u.password, DEFAULT_ITERATIONS).map_err(D::Error::custom)?;
        users.insert(&u.name, credential);
    }
    Ok(Some(users))
}

/// A credential for a new password, with a random salt from the operating system.
pub fn hash_password(password: &str, iterations: u32) -> Result<Credential, getrandom::Error> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt)?;
    Ok(Credential::derive(password, &salt, iterations))
}

/// Deterministic nonces and decoy salts from a seed: HMAC-SHA-256(seed, label ‖ n).
#[derive(Debug, Clone)]
pub struct NonceSource {
    seed: [u8; 32],
    counter: u64,
}

impl NonceSource {
    /// A source; the driver seeds it from the operating system.
    pub fn new(seed: [u8; 32]) -> NonceSource {
        NonceSource { seed, counter: 0 }
    }

    /// A fresh nonce (base64, printable, no commas).
    pub fn nonce(&mut self) -> String {
        self.counter += 1;
        let mut data = b"nonce".to_vec();
        data.extend_from_slice(&self.counter.to_be_bytes());
        B64.encode(&hmac(&self.seed, &data)[..18])
    }

    /// The salt presented for an unknown user: stable per name, so that repeated
    /// attempts see the same one.
    pub fn decoy_salt(&self, user: &str) -> Vec<u8> {
        let mut data = b"salt".to_vec();
        data.extend_from_slice(user.as_bytes());
        hmac(&self.seed, &data)[..16].to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 7677 §3: user "user", password "pencil", salt W22ZaJ0SNY7soEsUEjb6gQ==,
    // 4096 iterations, client nonce rOprNGfwEbeRWgbNEkqO, server nonce suffix
    // %hvYDpWUa2RaTCAfuxFIlj)hNlF$k0.
    const SALT: &str = "W22ZaJ0SNY7soEsUEjb6gQ==";

    fn rfc_users() -> Users {
        let mut users = Users::default();
        users.insert("user", Credential::derive("pencil", &B64.decode(SALT).unwrap(), 4096));
        users
    }

    #[test]
    fn rfc7677_exchange() {
        let users = rfc_users();
        let (pending, server_first) = ScramPending::start(
            &users,
            b"n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
            "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0",
            b"",
        )
        .unwrap();
        assert_eq!(
            server_first,
            "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096"
        );
        let client_final = "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
        assert_eq!(
            pending.finish(client_final.as_bytes()).unwrap(),
            "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
        );
        let wrong = client_final.replace("p=dHzb", "p=dHzc");
        assert_eq!(pending.finish(wrong.as_bytes()), Err(ScramError::BadCredentials));
    }

    #[test]
    fn stored_form_round_trips_and_checks_passwords() {
        let cred = Credential::derive("pencil", b"salt-bytes", 4096);
        let parsed = Credential::parse(&cred.to_string()).unwrap();
        assert_eq!(parsed, cred);
        assert!(parsed.verify(b"pencil"));
        assert!(!parsed.verify(b"pencil "));
    }

    #[test]
    fn password_file_errors_name_the_line() {
        let err = Users::parse("# users\nalice:SCRAM-SHA-256$4096:c2FsdA==$AAAA:BBBB\n", "pw").unwrap_err();
        assert_eq!((err.line, err.origin.as_str()), (2, "pw"));
        assert!(err.message.contains("StoredKey"), "{err}");
        assert!(Users::parse("bob\n", "pw").unwrap_err().message.contains("user:credential"));
    }

    #[test]
    fn malformed_and_channel_binding_requests_are_refused() {
        let users = rfc_users();
        for bad in ["", "n,,r=x", "p=tls-unique,,n=user,r=x", "n,,n=user", "n,,n=us=ZZer,r=x"] {
            assert_eq!(
                ScramPending::start(&users, bad.as_bytes(), "s", b"").map(|_| ()),
                Err(ScramError::Malformed),
                "{bad}"
            );
        }
    }

    #[test]
    fn unknown_users_fail_only_at_the_proof() {
        let users = rfc_users();
        let (pending, first) = ScramPending::start(&users, b"n,,n=nobody,r=abc", "def", b"decoy").unwrap();
        assert!(first.contains(&format!("s={}", B64.encode(b"decoy"))));
        let fin = format!("c=biws,r=abcdef,p={}", B64.encode([0u8; 32]));
        assert_eq!(pending.finish(fin.as_bytes()), Err(ScramError::BadCredentials));
    }
}
