//! Every codec in the benchmark decodes the workloads to the expected packets and
//! payload bytes (a benchmark of a decoder that skips work would be meaningless).

use mqttspec_benches::*;

#[test]
fn every_decoder_sees_every_packet() {
    for w in [w1(2_000), w2(100), w3(300), w4(50)] {
        let expected = Seen { packets: w.count(), payload: w.payload_bytes() };
        assert!(w.bytes.len() > CHUNK || w.name == "W4", "{} should span several reads", w.name);
        assert_eq!(decode_mqttspec(&w), expected, "mqttspec {}", w.name);
        assert_eq!(decode_mqttspec_borrowed(&w), expected, "mqttspec borrowed {}", w.name);
        assert_eq!(decode_mqttbytes(&w), expected, "mqttbytes {}", w.name);
        assert_eq!(decode_rumqttc(&w), expected, "rumqttc {}", w.name);
        assert_eq!(decode_ntex(&w), expected, "ntex-mqtt {}", w.name);
        if w.version == mqttspec_codec::Version::V3_1_1 {
            assert_eq!(decode_mqttrs(&w), Some(expected), "mqttrs {}", w.name);
            assert_eq!(decode_mqtt_protocol(&w), Some(expected), "mqtt-protocol {}", w.name);
        }
        assert_eq!(memcpy(&w), w.bytes.len());
    }
}
