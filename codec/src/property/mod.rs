//! Properties (MQTT 5.0 §2.2.2, Table 2-4).
//!
//! A [`Properties`] value keeps the property bytes exactly as they travel, shared with
//! the packet they came from: decoding validates them once and allocates nothing,
//! encoding copies them, and a builder can put any identifier, in any order, any number
//! of times — which is how duplicate, misplaced and unknown properties are sent.

mod block;
mod decode;
mod id;
mod value;

pub use block::*;
pub(crate) use decode::*;
pub use id::*;
pub use value::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_2_4_has_27_properties() {
        assert_eq!(ALL_PROPERTY_IDS.len(), 27);
    }

    #[test]
    fn build_then_iterate() {
        let props = Properties::build([
            Property::SessionExpiryInterval(10),
            Property::UserProperty("k".into(), "v".into()),
            Property::UserProperty("k".into(), "w".into()),
            Property::SubscriptionIdentifier(200),
        ])
        .unwrap();
        let back: Vec<Property> = props.iter().collect();
        assert_eq!(back.len(), 4);
        assert_eq!(props.session_expiry_interval(), Some(10));
        assert_eq!(props.subscription_identifiers().collect::<Vec<_>>(), vec![200]);
        assert_eq!(props.user_properties().count(), 2);
    }
}
