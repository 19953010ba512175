//! Behaviour mutants: each a way real brokers break a statement, written by reading
//! it, and the statement IDs it violates per version (an empty list: the mutant
//! breaks nothing numbered in that version, or the feature does not exist there).
//! Each is one branch at the place the broker decides the behaviour; grep the variant
//! name to find it.

behaviours! {
    // §3.8.4 / §4.3: the QoS a message is delivered at.
    DeliverAtPublishedQos "deliver-at-published-qos": "delivers at the published QoS, never downgrading to the granted QoS"
        v311: ["MQTT-3.8.4-6"], /* (3.1.1) */ v5: ["MQTT-3.8.4-8"], /* (5.0) */
    DeliverAtGrantedQos "deliver-at-granted-qos": "delivers at the granted QoS, upgrading messages published lower"
        v311: ["MQTT-3.8.4-6"], /* (3.1.1) */ v5: ["MQTT-3.8.4-8"], /* (5.0) */
    DowngradeToQos0 "downgrade-to-qos-0": "a message above the granted QoS is delivered at QoS 0, not at the granted QoS"
        v311: ["MQTT-3.8.4-6"], /* (3.1.1) */ v5: ["MQTT-3.8.4-8"], /* (5.0) */
    OverlapLowestQos "overlap-lowest-qos": "overlapping subscriptions: the single copy goes at the lowest matching QoS"
        v311: ["MQTT-3.3.5-1"], /* (3.1.1) */ v5: ["MQTT-3.3.4-2"], /* (5.0) */
    SharedIgnoresGrantedQos "shared-ignores-granted-qos": "shared subscriptions deliver at the published QoS"
        v311: [], v5: ["MQTT-4.8.2-3"], /* (5.0) */
    // §4.1, §4.4, §4.3: sessions, resends, DUP, packet identifiers.
    OfflineMessagesLost "offline-messages-lost": "QoS 1/2 messages for an offline persistent session are dropped"
        v311: ["MQTT-3.1.2-5", "MQTT-4.5.0-1"], /* (3.1.1) */ v5: ["MQTT-3.1.2-23", "MQTT-4.5.0-1"], /* (5.0) */
    Qos2RedeliveredOnDuplicate "qos2-redelivered-on-duplicate": "a resent QoS 2 PUBLISH before PUBREL is delivered onward again"
        v311: ["MQTT-4.3.3-2"], /* (3.1.1) */ v5: ["MQTT-4.3.3-10"], /* (5.0) */
    NoResendOnResume "no-resend-on-resume": "unacknowledged PUBLISHes are not resent when the session resumes"
        v311: ["MQTT-4.4.0-1"], /* (3.1.1) */ v5: ["MQTT-4.4.0-1"], /* (5.0) */
    NoPubrelResendOnResume "no-pubrel-resend-on-resume": "unacknowledged PUBRELs are not resent when the session resumes"
        v311: ["MQTT-4.4.0-1"], /* (3.1.1) */ v5: ["MQTT-4.4.0-1"], /* (5.0) */
    ResendWithoutDup "resend-without-dup": "PUBLISHes resent on resumption have DUP 0"
        v311: ["MQTT-3.3.1-1"], /* (3.1.1) */ v5: ["MQTT-3.3.1-1"], /* (5.0) */
    Qos0WithDup "qos0-with-dup": "QoS 0 deliveries go out with DUP 1"
        v311: ["MQTT-4.3.1-1"], /* (3.1.1) */ v5: ["MQTT-4.3.1-1"], /* (5.0) */
    DupOnFirstSend "dup-on-first-send": "the first transmission of a QoS 1/2 PUBLISH has DUP 1"
        v311: ["MQTT-4.3.2-1", "MQTT-4.3.3-1"], /* (3.1.1) */ v5: ["MQTT-4.3.2-2", "MQTT-4.3.3-2"], /* (5.0) */
    ResendOnPing "resend-on-ping": "unacknowledged PUBLISHes are resent whenever the client pings, not only on resumption"
        v311: [], v5: ["MQTT-4.4.0-1"], /* (5.0) */
    PacketIdReused "packet-id-reused": "every outgoing QoS 1/2 PUBLISH uses identifier 1, even while 1 is in flight"
        v311: ["MQTT-2.3.1-4"], /* (3.1.1) */ v5: ["MQTT-2.2.1-4", "MQTT-4.3.2-1", "MQTT-4.3.3-1"], /* (5.0) */
    ReorderedDelivery "reordered-delivery": "queued messages are sent newest first"
        v311: ["MQTT-4.6.0-5", "MQTT-4.6.0-6"], /* (3.1.1) */ v5: ["MQTT-4.6.0-5", "MQTT-4.6.0-6"], /* (5.0) */
    // Acknowledgements (§3.4–§3.11, §2.3.1 / §2.2.1).
    PubackWrongId "puback-wrong-id": "PUBACK carries the next identifier, not the PUBLISH's"
        v311: ["MQTT-2.3.1-6", "MQTT-4.3.2-2"], /* (3.1.1) */ v5: ["MQTT-2.2.1-5", "MQTT-4.3.2-4"], /* (5.0) */
    PubackMissing "puback-missing": "a QoS 1 PUBLISH is never acknowledged"
        v311: ["MQTT-3.3.4-1", "MQTT-4.3.2-2"], /* (3.1.1) */ v5: ["MQTT-3.3.4-1", "MQTT-4.3.2-4"], /* (5.0) */
    PubrecWrongId "pubrec-wrong-id": "PUBREC carries the next identifier, not the PUBLISH's"
        v311: ["MQTT-2.3.1-6", "MQTT-4.3.3-2"], /* (3.1.1) */ v5: ["MQTT-2.2.1-5", "MQTT-4.3.3-8"], /* (5.0) */
    PubrecMissing "pubrec-missing": "a QoS 2 PUBLISH is never acknowledged"
        v311: ["MQTT-3.3.4-1", "MQTT-4.3.3-2"], /* (3.1.1) */ v5: ["MQTT-3.3.4-1", "MQTT-4.3.3-8"], /* (5.0) */
    PubcompWrongId "pubcomp-wrong-id": "PUBCOMP carries the next identifier, not the PUBREL's"
        v311: ["MQTT-4.3.3-2"], /* (3.1.1) */ v5: ["MQTT-2.2.1-5", "MQTT-4.3.3-11"], /* (5.0) */
    PubcompMissing "pubcomp-missing": "PUBREL is never answered"
        v311: ["MQTT-4.3.3-2"], /* (3.1.1) */ v5: ["MQTT-4.3.3-11"], /* (5.0) */
    PubrelWrongId "pubrel-wrong-id": "the server's PUBREL carries the next identifier, not the PUBLISH's"
        v311: ["MQTT-2.3.1-6", "MQTT-4.3.3-1"], /* (3.1.1) */ v5: ["MQTT-2.2.1-5", "MQTT-4.3.3-4"], /* (5.0) */
    PubrelMissing "pubrel-missing": "a subscriber's PUBREC is never answered with PUBREL"
        v311: ["MQTT-4.3.3-1"], /* (3.1.1) */ v5: ["MQTT-4.3.3-4"], /* (5.0) */
    SubackWrongId "suback-wrong-id": "SUBACK carries the next identifier, not the SUBSCRIBE's"
        v311: ["MQTT-2.3.1-7", "MQTT-3.8.4-2"], /* (3.1.1) */ v5: ["MQTT-2.2.1-6", "MQTT-3.8.4-2"], /* (5.0) */
    SubackMissing "suback-missing": "SUBSCRIBE is never acknowledged (the subscription is made)"
        v311: ["MQTT-3.8.4-1"], /* (3.1.1) */ v5: ["MQTT-3.8.4-1"], /* (5.0) */
    UnsubackWrongId "unsuback-wrong-id": "UNSUBACK carries the next identifier, not the UNSUBSCRIBE's"
        v311: ["MQTT-2.3.1-7", "MQTT-3.10.4-4"], /* (3.1.1) */ v5: ["MQTT-2.2.1-6", "MQTT-3.10.4-5"], /* (5.0) */
    UnsubackMissing "unsuback-missing": "UNSUBSCRIBE is never acknowledged (the subscription is removed)"
        v311: ["MQTT-3.10.4-4"], /* (3.1.1) */ v5: ["MQTT-3.10.4-4"], /* (5.0) */
    UnsubackOnlyIfRemoved "unsuback-only-if-removed": "UNSUBSCRIBE that removes nothing gets no UNSUBACK"
        v311: ["MQTT-3.10.4-5"], /* (3.1.1) */ v5: ["MQTT-3.10.4-5"], /* (5.0) */
    PingrespMissing "pingresp-missing": "PINGREQ is never answered"
        v311: ["MQTT-3.12.4-1"], /* (3.1.1) */ v5: ["MQTT-3.12.4-1"], /* (5.0) */
    // Reason Strings and User Properties the client did not allow (§3.1.2.11.4, §3.1.2.11.7).
    ConnackReasonStringOversize "connack-reason-string-oversize": "a CONNACK keeps its Reason String although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.2.2-19"], /* (5.0) */
    ConnackUserPropertyOversize "connack-user-property-oversize": "a CONNACK keeps its User Properties although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.2.2-20"], /* (5.0) */
    PubackReasonStringOversize "puback-reason-string-oversize": "a PUBACK keeps its Reason String although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.4.2-2"], /* (5.0) */
    PubackUserPropertyOversize "puback-user-property-oversize": "a PUBACK keeps its User Properties although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.4.2-3"], /* (5.0) */
    PubrecReasonStringOversize "pubrec-reason-string-oversize": "a PUBREC keeps its Reason String although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.5.2-2"], /* (5.0) */
    PubrecUserPropertyOversize "pubrec-user-property-oversize": "a PUBREC keeps its User Properties although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.5.2-3"], /* (5.0) */
    PubrelReasonStringOversize "pubrel-reason-string-oversize": "a PUBREL keeps its Reason String although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.6.2-2"], /* (5.0) */
    PubrelUserPropertyOversize "pubrel-user-property-oversize": "a PUBREL keeps its User Properties although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.6.2-3"], /* (5.0) */
    PubcompReasonStringOversize "pubcomp-reason-string-oversize": "a PUBCOMP keeps its Reason String although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.7.2-2"], /* (5.0) */
    PubcompUserPropertyOversize "pubcomp-user-property-oversize": "a PUBCOMP keeps its User Properties although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.7.2-3"], /* (5.0) */
    SubackReasonStringOversize "suback-reason-string-oversize": "a SUBACK keeps its Reason String although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.9.2-1"], /* (5.0) */
    SubackUserPropertyOversize "suback-user-property-oversize": "a SUBACK keeps its User Properties although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.9.2-2"], /* (5.0) */
    UnsubackReasonStringOversize "unsuback-reason-string-oversize": "a UNSUBACK keeps its Reason String although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.11.2-1"], /* (5.0) */
    UnsubackUserPropertyOversize "unsuback-user-property-oversize": "a UNSUBACK keeps its User Properties although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.11.2-2"], /* (5.0) */
    DisconnectReasonStringOversize "disconnect-reason-string-oversize": "a DISCONNECT keeps its Reason String although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.14.2-3"], /* (5.0) */
    DisconnectUserPropertyOversize "disconnect-user-property-oversize": "a DISCONNECT keeps its User Properties although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.14.2-4"], /* (5.0) */
    AuthReasonStringOversize "auth-reason-string-oversize": "a AUTH keeps its Reason String although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.15.2-2"], /* (5.0) */
    AuthUserPropertyOversize "auth-user-property-oversize": "a AUTH keeps its User Properties although it then exceeds the client's Maximum Packet Size"
        v311: [], v5: ["MQTT-3.15.2-3"], /* (5.0) */
    ProblemInformationReasonStringSent "problem-information-0-reason-string-sent": "with Request Problem Information 0, acknowledgements and AUTH still carry a Reason String"
        v311: [], v5: ["MQTT-3.1.2-29"], /* (5.0) */
    ProblemInformationUserPropertySent "problem-information-0-user-property-sent": "with Request Problem Information 0, acknowledgements and AUTH still carry User Properties"
        v311: [], v5: ["MQTT-3.1.2-29"], /* (5.0) */
    InboundDupPropagated "inbound-dup-propagated": "a message published with DUP 1 is forwarded with DUP 1 on its first transmission"
        v311: ["MQTT-3.3.1-3"], /* (3.1.1) */ v5: ["MQTT-3.3.1-3"], /* (5.0) */
    InboundDupCopied "inbound-dup-copied": "the outgoing DUP is the incoming one, so a resend of a message published with DUP 0 has DUP 0"
        v311: ["MQTT-3.3.1-3"], /* (3.1.1) */ v5: ["MQTT-3.3.1-3"], /* (5.0) */
    Qos1ForgottenWhenSent "qos1-forgotten-when-sent": "a QoS 1 delivery is forgotten once sent, as if the PUBACK had come"
        v311: [], v5: ["MQTT-4.3.2-3"], /* (5.0) */
    Qos2ForgottenWhenSent "qos2-forgotten-when-sent": "a QoS 2 delivery is forgotten once sent, so its PUBREC finds nothing"
        v311: [], v5: ["MQTT-4.3.3-3"], /* (5.0) */
    PubrelForgottenWhenSent "pubrel-forgotten-when-sent": "a PUBREL is forgotten once sent, as if the PUBCOMP had come"
        v311: [], v5: ["MQTT-4.3.3-5"], /* (5.0) */
    PublishResentAfterPubrel "publish-resent-after-pubrel": "PUBREC is answered with PUBREL but the PUBLISH stays in flight, so a resumed session gets the PUBLISH again"
        v311: [], v5: ["MQTT-4.3.3-6"], /* (5.0) */
    ExpiryAppliedToResend "expiry-applied-to-resend": "a sent message that expires before the session resumes is not resent"
        v311: [], v5: ["MQTT-4.3.3-7"], /* (5.0) */
    ExpiryAppliedAtPubrec "expiry-applied-at-pubrec": "a PUBREC for a message that has expired since it was sent is not answered with PUBREL"
        v311: [], v5: ["MQTT-4.3.3-7"], /* (5.0) */
    ExpiredReceiptPurged "expired-receipt-purged": "an inbound QoS 2 message whose Message Expiry passes before its PUBREL is forgotten: PUBCOMP 0x92"
        v311: [], v5: ["MQTT-4.3.3-13"], /* (5.0) */
    Qos1DupDropped "qos1-dup-dropped": "an inbound QoS 1 PUBLISH with DUP 1 is acknowledged but taken for a duplicate and not forwarded"
        v311: [], v5: ["MQTT-4.3.2-5"], /* (5.0) */
    Qos1RepeatedIdDropped "qos1-repeated-id-dropped": "an inbound QoS 1 PUBLISH repeating the previous one's identifier is acknowledged but not forwarded"
        v311: [], v5: ["MQTT-4.3.2-5"], /* (5.0) */
    RefusedQos2IdHeld "refused-qos2-id-held": "after PUBREC 0x87 the identifier is held as if the message had been accepted, so the next PUBLISH with it is taken for a duplicate"
        v311: [], v5: ["MQTT-4.3.3-9"], /* (5.0) */
    PubcompKeepsId "pubcomp-keeps-id": "PUBCOMP is sent but the identifier stays recorded, so the next QoS 2 PUBLISH with it is taken for a duplicate"
        v311: [], v5: ["MQTT-4.3.3-12"], /* (5.0) */
    RefusedPubackResent "refused-puback-resent": "a message refused by PUBACK 0x80 or more stays unacknowledged and is resent on resumption"
        v311: [], v5: ["MQTT-4.4.0-2"], /* (5.0) */
    RefusedPubrecResent "refused-pubrec-resent": "a message refused by PUBREC 0x80 or more stays unacknowledged and is resent on resumption"
        v311: [], v5: ["MQTT-4.4.0-2"], /* (5.0) */
    SendQuotaBelowMaximum "send-quota-below-maximum": "the send quota starts at the client's Receive Maximum less one (zero for 1)"
        v311: [], v5: ["MQTT-4.9.0-1"], /* (5.0) */
    SendQuotaAboveMaximum "send-quota-above-maximum": "the send quota starts at the client's Receive Maximum plus one"
        v311: [], v5: ["MQTT-4.9.0-1"], /* (5.0) */
    ZeroQuotaHoldsAll "zero-quota-holds-all": "while the client's send quota is zero, every packet to it waits, not only QoS 1/2 PUBLISHes"
        v311: [], v5: ["MQTT-3.3.4-10", "MQTT-4.9.0-3"], /* (5.0) */
    UnauthorisedPublishIgnored "unauthorised-publish-ignored": "3.1.1: a PUBLISH the ACL refuses is neither acknowledged nor answered by a close"
        v311: ["MQTT-3.3.5-2"], /* (3.1.1) */ v5: [],
    // Encoding of what the server sends (§1.5, §2.1–§2.2, §3.3.2).
    PubrelFlagsZero "pubrel-flags-zero": "the server's PUBREL goes out with fixed-header flags 0000, not the reserved 0010"
        v311: ["MQTT-2.2.2-1"], /* (3.1.1) */ v5: ["MQTT-2.1.3-1"], /* (5.0) */
    Qos0WithPacketId "qos0-with-packet-id": "a QoS 0 delivery carries a Packet Identifier"
        v311: ["MQTT-2.3.1-5"], /* (3.1.1) */ v5: ["MQTT-2.2.1-2"], /* (5.0) */
    EmptyPropertiesOmitted "empty-property-length-omitted": "a PUBLISH without properties goes to a 5.0 client without a Property Length, as in 3.1.1"
        v311: [], v5: ["MQTT-2.2.2-1"], /* (5.0) */
    TopicLatin1 "topic-latin1": "the Topic Name of a delivery is re-encoded as ISO-8859-1, not UTF-8"
        v311: ["MQTT-3.3.2-1"], /* (3.1.1) */ v5: ["MQTT-3.3.2-1"], /* (5.0) */
    UserPropertyNameLatin1 "user-property-name-latin1": "forwarded User Property names are re-encoded as ISO-8859-1"
        v311: [], v5: ["MQTT-1.5.7-1"], /* (5.0) */
    UserPropertyValueLatin1 "user-property-value-latin1": "forwarded User Property values are re-encoded as ISO-8859-1"
        v311: [], v5: ["MQTT-1.5.7-1"], /* (5.0) */
    ResponseTopicLatin1 "response-topic-latin1": "a forwarded Response Topic is re-encoded as ISO-8859-1"
        v311: [], v5: ["MQTT-3.3.2-13"], /* (5.0) */
    ContentTypeLatin1 "content-type-latin1": "a forwarded Content Type is re-encoded as ISO-8859-1"
        v311: [], v5: ["MQTT-3.3.2-19"], /* (5.0) */
    // (more acknowledgement, packet-identifier and QoS-flow mutants go above this line)

    // SUBSCRIBE / UNSUBSCRIBE (§3.8–§3.11).
    SubackCodeAboveMaximumQos "suback-code-above-maximum-qos": "SUBACK shows the requested QoS although the subscription is capped at Maximum QoS"
        v311: ["MQTT-3.8.4-5"], /* (3.1.1) */ v5: ["MQTT-3.8.4-7"], /* (5.0) */
    SubackCodeAboveRequested "suback-code-above-requested": "SUBACK shows QoS 2 although the subscription has the requested QoS"
        v311: ["MQTT-3.8.4-5"], /* (3.1.1) */ v5: ["MQTT-3.8.4-7"], /* (5.0) */
    SubackCodesReversed "suback-codes-reversed": "SUBACK codes come in reverse filter order"
        v311: ["MQTT-3.9.3-1"], /* (3.1.1) */ v5: ["MQTT-3.9.3-1"], /* (5.0) */
    SubscribeFirstFilterOnly "subscribe-first-filter-only": "a multi-filter SUBSCRIBE subscribes and answers only its first filter"
        v311: ["MQTT-3.8.4-4", "MQTT-3.8.4-5"], /* (3.1.1) */ v5: ["MQTT-3.8.4-5", "MQTT-3.8.4-6"], /* (5.0) */
    SubscribeRefusedAboveMaximumQos "subscribe-refused-above-maximum-qos": "a QoS-limited server refuses subscriptions asking for more than it supports"
        v311: [], v5: ["MQTT-3.2.2-10"], /* (5.0) */
    ResubscribeDuplicates "resubscribe-duplicates": "subscribing again to the same filter adds a second subscription"
        v311: ["MQTT-3.8.4-3"], /* (3.1.1) */ v5: ["MQTT-3.8.4-3"], /* (5.0) */
    ResubscribeNoRetained "resubscribe-no-retained": "replacing a subscription does not resend retained messages"
        v311: ["MQTT-3.8.4-3"], /* (3.1.1) */ v5: ["MQTT-3.8.4-4", "MQTT-3.3.1-9"], /* (5.0) */
    UnsubscribeIgnored "unsubscribe-ignored": "UNSUBSCRIBE is acknowledged but the subscription stays"
        v311: ["MQTT-3.10.4-1", "MQTT-3.10.4-2"], /* (3.1.1) */ v5: ["MQTT-3.10.4-1", "MQTT-3.10.4-2"], /* (5.0) */
    UnsubscribeMatchesWildcards "unsubscribe-matches-wildcards": "UNSUBSCRIBE removes every subscription its filter matches, not just the identical one"
        v311: ["MQTT-3.10.4-1"], /* (3.1.1) */ v5: ["MQTT-3.10.4-1"], /* (5.0) */
    UnsubscribeFirstFilterOnly "unsubscribe-first-filter-only": "a multi-filter UNSUBSCRIBE removes only its first filter"
        v311: ["MQTT-3.10.4-6"], /* (3.1.1) */ v5: ["MQTT-3.10.4-6"], /* (5.0) */
    // CONNECT, CONNACK, sessions (§3.1, §3.2).
    SessionPresentAlways0 "session-present-always-0": "CONNACK says no session even when one is resumed"
        v311: ["MQTT-3.2.2-2"], /* (3.1.1) */ v5: ["MQTT-3.2.2-3"], /* (5.0) */
    SessionPresentOnNewSession "session-present-on-new-session": "CONNACK says a session is present when a new one was created"
        v311: ["MQTT-3.2.2-3"], /* (3.1.1) */ v5: ["MQTT-3.2.2-3"], /* (5.0) */
    CleanStartKeepsSession "clean-start-keeps-session": "Clean Session / Clean Start 1 resumes the existing session"
        v311: ["MQTT-3.1.2-6", "MQTT-3.2.2-1"], /* (3.1.1) */ v5: ["MQTT-3.1.2-4", "MQTT-3.2.2-2"], /* (5.0) */
    SessionNotKept "session-not-kept": "a persistent session ends with its connection"
        v311: ["MQTT-3.1.2-4", "MQTT-4.1.0-1"], /* (3.1.1) */ v5: ["MQTT-3.1.2-5", "MQTT-3.1.2-23"], /* (5.0) */
    SessionNeverExpires "session-never-expires": "sessions outlive CleanSession 1 / their Session Expiry Interval"
        v311: ["MQTT-3.1.2-6"], /* (3.1.1) */ v5: ["MQTT-4.1.0-2"], /* (5.0) */
    TakeoverKeepsOldConnection "takeover-keeps-old-connection": "a second connection with the same ClientId leaves the first open"
        v311: ["MQTT-3.1.4-2"], /* (3.1.1) */ v5: ["MQTT-3.1.4-3"], /* (5.0) */
    TakeoverWithoutDisconnect "takeover-without-disconnect": "the taken-over connection is closed without DISCONNECT 0x8E"
        v311: [], v5: ["MQTT-3.1.4-3"], /* (5.0) */
    TakeoverDisconnectSessionExpiry "takeover-disconnect-session-expiry": "the Session taken over DISCONNECT carries the session's Session Expiry Interval"
        v311: [], v5: ["MQTT-3.14.2-2"], /* (5.0) */
    SecondConnectIgnored "second-connect-ignored": "a second CONNECT on a connection is ignored, not a protocol error"
        v311: ["MQTT-3.1.0-2"], /* (3.1.1) */ v5: ["MQTT-3.1.0-2"], /* (5.0) */
    SecondConnectDiscardsSession "second-connect-discards-session": "a second CONNECT closes the connection and ends the persistent session with it (Mosquitto 2.0.11 does this)"
        v311: ["MQTT-3.1.2-4"], /* (3.1.1) */ v5: ["MQTT-3.1.2-23"], /* (5.0) */
    AssignedIdNotReported "assigned-id-not-reported": "an assigned Client Identifier is not sent in CONNACK"
        v311: [], v5: ["MQTT-3.1.3-7", "MQTT-3.2.2-16"], /* (5.0) */
    AssignedIdReused "assigned-id-reused": "every empty ClientId is assigned the same identifier"
        v311: ["MQTT-3.1.3-6"], /* (3.1.1) */ v5: ["MQTT-3.1.3-6", "MQTT-3.2.2-16"], /* (5.0) */
    RefusedConnectionKeptOpen "refused-connection-kept-open": "after a refusing CONNACK the connection stays open"
        v311: ["MQTT-3.2.2-5"], /* (3.1.1) */ v5: ["MQTT-3.2.2-7", "MQTT-4.13.2-1", "MQTT-3.1.4-2"], /* (5.0) */
    RefusalSessionPresent "refusal-session-present": "a refusing CONNACK has Session Present 1"
        v311: ["MQTT-3.2.2-4"], /* (3.1.1) */ v5: ["MQTT-3.2.2-6"], /* (5.0) */
    RefusalReportsStoredSession "refusal-reports-stored-session": "a refusing CONNACK has Session Present 1 when the client's session is stored, as amqtt's did under fuzzing"
        v311: ["MQTT-3.2.2-4"], /* (3.1.1) */ v5: ["MQTT-3.2.2-6"], /* (5.0) */
    ConnackMissing "connack-missing": "an accepted CONNECT is never answered with CONNACK"
        v311: [], v5: ["MQTT-3.1.4-5"], /* (5.0) */
    NewSessionNotKept "new-session-not-kept": "Clean Session / Clean Start 0 without a stored session gets one that ends with its connection"
        v311: ["MQTT-3.1.2-4"], /* (3.1.1) */ v5: ["MQTT-3.1.2-6"], /* (5.0) */
    SessionKeyedByConnection "session-keyed-by-connection": "sessions are keyed by ClientId and connection, so a reconnecting client never finds its own"
        v311: ["MQTT-3.1.3-2"], /* (3.1.1) */ v5: ["MQTT-3.1.3-2"], /* (5.0) */
    AuthMethodAdvertised "auth-method-advertised": "CONNACK names the server's Authentication Method to a client that sent none"
        v311: [], v5: ["MQTT-4.12.0-6"], /* (5.0) */
    ProtocolErrorIgnored "protocol-error-ignored": "a malformed packet or protocol error is dropped and the connection kept"
        v311: ["MQTT-4.8.0-1"], /* (3.1.1) */ v5: ["MQTT-4.13.1-1"], /* (5.0) */
    UnsupportedAuthMethodAccepted "unsupported-auth-method-accepted": "a CONNECT with an unknown Authentication Method is accepted"
        v311: [], v5: ["MQTT-4.12.0-1"], /* (5.0) */
    MaximumQosNotAdvertised "maximum-qos-not-advertised": "a QoS-limited server omits Maximum QoS from CONNACK"
        v311: [], v5: ["MQTT-3.2.2-9"], /* (5.0) */
    RetainedWillAccepted "retained-will-accepted": "a retained Will is accepted although retain is not available"
        v311: [], v5: ["MQTT-3.2.2-13"], /* (5.0) */
    ConnackBeforeVersionKnown "connack-before-version-known": "a CONNECT refused on a decoding fault is answered with a 5.0 CONNACK, whatever version it declared"
        v311: ["MQTT-3.1.4-1"], /* (3.1.1) */ v5: [],
    AcceptedWithNonzeroCode "accepted-with-nonzero-code": "an accepted CONNECT is answered with return code 0x01, the session going on"
        v311: ["MQTT-3.1.4-4"], /* (3.1.1) */ v5: [],
    ResumeBeforeConnack "resume-before-connack": "a resumed session's pending messages go out before the CONNACK"
        v311: ["MQTT-3.2.0-1"], /* (3.1.1) */ v5: ["MQTT-3.2.0-1"], /* (5.0) */
    ConnackOnSecondConnect "connack-on-second-connect": "a second CONNECT is refused with another CONNACK (0x82), not DISCONNECT"
        v311: [], v5: ["MQTT-3.2.0-2"], /* (5.0) */
    ConnackCodeUnchecked "connack-code-unchecked": "a refusal before acceptance puts its reason code in CONNACK even where CONNACK has no such code"
        v311: [], v5: ["MQTT-3.2.2-8"], /* (5.0) */
    ResponseInformationUnrequested "response-information-unrequested": "CONNACK carries Response Information although the client did not request it"
        v311: [], v5: ["MQTT-3.1.2-28"], /* (5.0) */
    ClientId23Refused "client-id-23-refused": "a ClientId of 23 bytes is refused (its length checked with < 23)"
        v311: ["MQTT-3.1.3-5"], /* (3.1.1) */ v5: ["MQTT-3.1.3-5"], /* (5.0) */
    WillKeptWithSession "will-kept-with-session": "the Will belongs to the session: DISCONNECT only skips it, and a later connection without a Will publishes it"
        v311: ["MQTT-3.1.2-12"], /* (3.1.1) */ v5: [],
    TakeoverIgnoresCleanStart "takeover-ignores-clean-start": "Clean Start 1 from a client taking over its own connection resumes the session"
        v311: ["MQTT-3.1.4-3"], /* (3.1.1) */ v5: ["MQTT-3.1.4-4"], /* (5.0) */
    TakeoverDiscardsSession "takeover-discards-session": "Clean Start 0 from a client taking over its own connection gets a new session"
        v311: ["MQTT-3.1.4-3"], /* (3.1.1) */ v5: ["MQTT-3.1.4-4"], /* (5.0) */
    WillQosAboveMaximumAccepted "will-qos-above-maximum-accepted": "a Will QoS above the server's Maximum QoS is accepted"
        v311: [], v5: ["MQTT-3.2.2-12"], /* (5.0) */
    DisconnectWithoutClose "disconnect-without-close": "after its DISCONNECT for a protocol error the server keeps the connection and goes on sending"
        v311: [], v5: ["MQTT-3.14.4-1", "MQTT-3.14.4-2"], /* (5.0) */
    SessionStateDiscardedWhileConnected "session-state-discarded-while-connected": "Session Expiry is counted from the connect, so session state goes while the connection is open"
        v311: ["MQTT-4.1.0-1", "MQTT-4.1.0-2"], /* (3.1.1) */ v5: ["MQTT-4.1.0-1"], /* (5.0) */
    AuthUndefinedCode "auth-undefined-code": "the server's AUTH asking for more data carries the undefined reason code 0x17"
        v311: [], v5: ["MQTT-3.15.2-1", "MQTT-4.12.0-2"], /* (5.0) */
    AuthContinueWrongCode "auth-continue-wrong-code": "the server's AUTH asking for more data carries 0x19 (Re-authenticate), not 0x18"
        v311: [], v5: ["MQTT-4.12.0-2"], /* (5.0) */
    AuthRejectionKeptOpen "auth-rejection-kept-open": "a rejected authentication gets its refusing CONNACK, but the connection stays open"
        v311: [], v5: ["MQTT-4.12.0-4"], /* (5.0) */
    RefusedConnectDataProcessed "refused-connect-data-processed": "what a client sent right after a refused CONNECT is acted on before the close"
        v311: ["MQTT-3.1.4-5"], /* (3.1.1) */ v5: ["MQTT-3.1.4-6"], /* (5.0) */
    ClientIdRefusedNotAuthorized "client-id-refused-not-authorized": "a ClientId the server rejects is refused with 0x05 (Not authorized), not 0x02"
        v311: ["MQTT-3.1.3-9"], /* (3.1.1) */ v5: [],
    ClientIdRefusalKeptOpen "client-id-refusal-kept-open": "after refusing a ClientId the server keeps the connection open"
        v311: ["MQTT-3.1.3-9"], /* (3.1.1) */ v5: ["MQTT-3.1.3-8"], /* (5.0) */
    ServerKeepAliveNotAnnounced "server-keep-alive-not-announced": "the server enforces its own Keep Alive without sending Server Keep Alive"
        v311: [], v5: ["MQTT-3.2.2-22"], /* (5.0) */
    DisconnectBeforeConnack "disconnect-before-connack": "a malformed 5.0 CONNECT is answered with DISCONNECT instead of CONNACK"
        v311: [], v5: ["MQTT-3.14.0-1"], /* (5.0) */
    SuccessConnackWithoutMethod "success-connack-without-method": "the CONNACK ending a successful enhanced authentication omits the Authentication Method"
        v311: [], v5: ["MQTT-4.12.0-5"], /* (5.0) */
    ServerAuthOmitsMethod "server-auth-omits-method": "the server's AUTH packets omit the Authentication Method"
        v311: [], v5: ["MQTT-4.12.0-5"], /* (5.0) */
    ReauthFailureKeptOpen "reauth-failure-kept-open": "a failed re-authentication leaves the connection open"
        v311: [], v5: ["MQTT-4.12.1-2"], /* (5.0) */
    ConnackReservedFlagsSet "connack-reserved-flags-set": "the accepting CONNACK sets bit 1 of the Connect Acknowledge Flags, which is reserved"
        v311: [], v5: ["MQTT-3.2.2-1"], /* (5.0) */
    // (more CONNECT, CONNACK, DISCONNECT and AUTH mutants go above this line)

    // Keep alive (§3.1.2.10).
    KeepAliveNotEnforced "keep-alive-not-enforced": "a silent client is never disconnected"
        v311: ["MQTT-3.1.2-24"], /* (3.1.1) */ v5: ["MQTT-3.1.2-22"], /* (5.0) */
    KeepAliveWithoutGrace "keep-alive-without-grace": "a client is disconnected after one Keep Alive, not one and a half"
        v311: ["MQTT-3.1.2-24"], /* (3.1.1) */ v5: ["MQTT-3.1.2-22"], /* (5.0) */
    // Retained messages (§3.3.1.3).
    RetainedNotReplaced "retained-not-replaced": "a new retained message does not replace the stored one"
        v311: ["MQTT-3.3.1-5", "MQTT-3.3.1-7"], /* (3.1.1) */ v5: ["MQTT-3.3.1-5"], /* (5.0) */
    RetainedNotCleared "retained-not-cleared": "an empty retained message leaves the stored one in place"
        v311: ["MQTT-3.3.1-10"], /* (3.1.1) */ v5: ["MQTT-3.3.1-6"], /* (5.0) */
    RetainedEmptyStored "retained-empty-stored": "an empty retained message is stored and sent to new subscribers"
        v311: ["MQTT-3.3.1-11"], /* (3.1.1) */ v5: ["MQTT-3.3.1-7"], /* (5.0) */
    RetainedEmptyNotForwarded "retained-empty-not-forwarded": "an empty retained message clears the topic but is not forwarded"
        v311: ["MQTT-3.3.1-10"], /* (3.1.1) */ v5: ["MQTT-3.3.1-6"], /* (5.0) */
    NonRetainedStored "non-retained-stored": "a RETAIN 0 message replaces the stored retained message"
        v311: ["MQTT-3.3.1-12"], /* (3.1.1) */ v5: ["MQTT-3.3.1-8"], /* (5.0) */
    RetainFlagOnLiveDelivery "retain-flag-on-live-delivery": "RETAIN stays set when a retained message is forwarded to existing subscribers"
        v311: ["MQTT-3.3.1-9"], /* (3.1.1) */ v5: ["MQTT-3.3.1-12"], /* (5.0) */
    RetainFlagClearedOnSubscribe "retain-flag-cleared-on-subscribe": "retained messages sent because of a subscription have RETAIN 0"
        v311: ["MQTT-3.3.1-8"], /* (3.1.1) */ v5: [],
    RetainedNotSentOnSubscribe "retained-not-sent-on-subscribe": "a new subscription receives no retained messages"
        v311: ["MQTT-3.3.1-6"], /* (3.1.1) */ v5: ["MQTT-3.3.1-9"], /* (5.0) */
    RetainedSentForAnyFilter "retained-sent-for-any-filter": "a new subscription receives every retained message, matching or not"
        v311: ["MQTT-3.3.2-3"], /* (3.1.1) */ v5: ["MQTT-3.3.2-3"], /* (5.0) */
    RetainedDroppedWithSession "retained-dropped-with-session": "retained messages go when their publisher's session ends"
        v311: ["MQTT-3.1.2-7"], /* (3.1.1) */ v5: [],
    RetainHandling1Ignored "retain-handling-1-ignored": "Retain Handling 1 sends retained messages on every subscribe"
        v311: [], v5: ["MQTT-3.3.1-10"], /* (5.0) */
    RetainHandling2Ignored "retain-handling-2-ignored": "Retain Handling 2 sends retained messages"
        v311: [], v5: ["MQTT-3.3.1-11"], /* (5.0) */
    RetainAsPublishedIgnored "retain-as-published-ignored": "Retain As Published 1 still clears RETAIN"
        v311: [], v5: ["MQTT-3.3.1-13"], /* (5.0) */
    NoLocalIgnored "no-local-ignored": "No Local 1 still sends a client its own messages"
        v311: [], v5: ["MQTT-3.8.3-3"], /* (5.0) */
    // Wills (§3.1.2.5, §3.1.3.2, §3.14).
    WillOnNormalDisconnect "will-on-normal-disconnect": "the Will is published after a normal DISCONNECT"
        v311: ["MQTT-3.1.2-10", "MQTT-3.14.4-3"], /* (3.1.1) */ v5: ["MQTT-3.1.2-10", "MQTT-3.14.4-3"], /* (5.0) */
    WillNotOnAbruptClose "will-not-on-abrupt-close": "the Will is not published when the connection is lost"
        v311: ["MQTT-3.1.2-8"], /* (3.1.1) */ v5: ["MQTT-3.1.2-8"], /* (5.0) */
    WillNotOnProtocolError "will-not-on-protocol-error": "the Will is not published when the server closes on a protocol error"
        v311: ["MQTT-3.1.2-8"], /* (3.1.1) */ v5: ["MQTT-3.1.2-8"], /* (5.0) */
    WillDelayIgnored "will-delay-ignored": "the Will is published at once, whatever its Will Delay Interval"
        v311: [], v5: ["MQTT-3.1.2-8"], /* (5.0) */
    WillNotCancelledByReconnect "will-not-cancelled-by-reconnect": "reconnecting within the Will Delay Interval still publishes the Will"
        v311: [], v5: ["MQTT-3.1.3-9"], /* (5.0) */
    WillRetainIgnored "will-retain-ignored": "a Will with Will Retain 1 is published as a non-retained message"
        v311: ["MQTT-3.1.2-17"], /* (3.1.1) */ v5: ["MQTT-3.1.2-15"], /* (5.0) */
    WillNotStored "will-not-stored": "the Will Message of an accepted CONNECT is not stored with the session, so never published"
        v311: ["MQTT-3.1.2-8"], /* (3.1.1) */ v5: ["MQTT-3.1.2-7", "MQTT-3.1.2-8"], /* (5.0) */
    WillAlwaysRetained "will-always-retained": "a Will with Will Retain 0 is published as a retained message"
        v311: ["MQTT-3.1.2-16"], /* (3.1.1) */ v5: ["MQTT-3.1.2-14"], /* (5.0) */
    // Topic matching (§4.7): each rule broken alone.
    PlusMatchesManyLevels "plus-matches-many-levels": "+ matches one or more levels"
        v311: ["MQTT-3.3.2-3"], /* (3.1.1) */ v5: ["MQTT-3.3.2-3"], /* (5.0) */
    PlusSkipsEmptyLevel "plus-skips-empty-level": "+ does not match an empty level"
        v311: ["MQTT-3.3.2-3"], /* (3.1.1) */ v5: ["MQTT-3.3.2-3"], /* (5.0) */
    HashExcludesParent "hash-excludes-parent": "a/# does not match a"
        v311: ["MQTT-3.3.2-3"], /* (3.1.1) */ v5: ["MQTT-3.3.2-3"], /* (5.0) */
    FilterPrefixMatches "filter-prefix-matches": "a filter matches every topic it is a level prefix of (a/b matches a/b/c)"
        v311: ["MQTT-3.3.2-3"], /* (3.1.1) */ v5: ["MQTT-3.3.2-3"], /* (5.0) */
    PlusMatchesDollarTopics "plus-matches-dollar-topics": "a filter starting with + matches topics starting with $"
        v311: ["MQTT-4.7.2-1"], /* (3.1.1) */ v5: ["MQTT-4.7.2-1"], /* (5.0) */
    HashMatchesDollarTopics "hash-matches-dollar-topics": "a filter starting with # matches topics starting with $"
        v311: ["MQTT-4.7.2-1"], /* (3.1.1) */ v5: ["MQTT-4.7.2-1"], /* (5.0) */
    EmptyLevelsCollapsed "empty-levels-collapsed": "empty levels are dropped before matching (a//b matches a/b)"
        v311: ["MQTT-3.3.2-3"], /* (3.1.1) */ v5: ["MQTT-3.3.2-3"], /* (5.0) */
    CaseInsensitiveMatching "case-insensitive-matching": "topics and filters are matched ignoring ASCII case"
        v311: ["MQTT-3.3.2-3"], /* (3.1.1) */ v5: ["MQTT-3.3.2-3"], /* (5.0) */
    TopicsNormalised "topics-normalised": "matching drops U+FEFF and folds fullwidth forms (NFKC-like) in names and filters"
        v311: ["MQTT-4.7.3-4"], /* (3.1.1) */ v5: ["MQTT-4.7.3-4"], /* (5.0) */
    BomStripped "bom-stripped": "a leading U+FEFF is stripped from published topic names"
        v311: ["MQTT-1.5.3-3"], /* (3.1.1) */ v5: ["MQTT-1.5.4-3"], /* (5.0) */
    // SUBSCRIBE and SUBACK (§3.8, §3.9), UNSUBSCRIBE and UNSUBACK (§3.10, §3.11).
    SubackPerFilter "suback-per-filter": "a multi-filter SUBSCRIBE is answered with one SUBACK per filter"
        v311: ["MQTT-3.8.4-4"], /* (3.1.1) */ v5: ["MQTT-3.8.4-5"], /* (5.0) */
    UnsupportedWildcardGranted "unsupported-wildcard-granted": "a server without wildcard support grants wildcard filters anyway"
        v311: ["MQTT-3.8.3-2"], /* (3.1.1) */ v5: [],
    UnsupportedPlusGranted "unsupported-plus-granted": "a server without wildcard support refuses filters with # but grants those with +"
        v311: ["MQTT-3.8.3-2"], /* (3.1.1) */ v5: [],
    SubackV5CodeInV311 "suback-v5-code-in-v311": "a refused 3.1.1 subscription gets a 5.0 reason code (0xA2, 0x87), not 0x80"
        v311: ["MQTT-3.9.3-2"], /* (3.1.1) */ v5: [],
    SubackSingleRefusalCode "suback-single-refusal-code": "a SUBSCRIBE with a refused filter is answered with that one refusal code"
        v311: ["MQTT-3.8.4-5"], /* (3.1.1) */ v5: ["MQTT-3.9.3-2"], /* (5.0) */
    UnsubscribeDropsInflight "unsubscribe-drops-inflight": "unsubscribing forgets the QoS 1/2 messages already sent on that subscription"
        v311: ["MQTT-3.10.4-3"], /* (3.1.1) */ v5: ["MQTT-3.10.4-3"], /* (5.0) */
    UnsubackCodesReversed "unsuback-codes-reversed": "UNSUBACK codes come in reverse filter order"
        v311: [], v5: ["MQTT-3.11.3-1"], /* (5.0) */
    UnsubackWithoutCodes "unsuback-without-codes": "a 5.0 UNSUBACK carries no reason codes, as a 3.1.1 one"
        v311: [], v5: ["MQTT-3.11.3-2"], /* (5.0) */
    // Shared subscriptions (§4.8.2).
    SharedQos2MovedOnLoss "shared-qos2-moved-on-loss": "a shared QoS 2 message in flight to a client whose connection breaks goes to another member"
        v311: [], v5: ["MQTT-4.8.2-4"], /* (5.0) */
    SharedQos2MovedAtSessionEnd "shared-qos2-moved-at-session-end": "a shared QoS 2 message in flight to a session that ends goes to another member"
        v311: [], v5: ["MQTT-4.8.2-5"], /* (5.0) */
    SharedRefusedRerouted "shared-refused-rerouted": "a shared message refused with a PUBACK or PUBREC code of 0x80 or more goes to another member"
        v311: [], v5: ["MQTT-4.8.2-6"], /* (5.0) */
    // MQTT over WebSocket (§6): in the WebSocket bridge, not the core.
    WsTextFramesAccepted "ws-text-frames-accepted": "MQTT bytes in WebSocket text frames are read like binary ones"
        v311: ["MQTT-6.0.0-1"], /* (3.1.1) */ v5: ["MQTT-6.0.0-1"], /* (5.0) */
    WsPartialFrameRefused "ws-partial-frame-refused": "a WebSocket frame holding part of a packet ends the connection"
        v311: ["MQTT-6.0.0-2"], /* (3.1.1) */ v5: ["MQTT-6.0.0-2"], /* (5.0) */
    WsExtraPacketsDropped "ws-extra-packets-dropped": "only the first packet of a WebSocket frame is read"
        v311: ["MQTT-6.0.0-2"], /* (3.1.1) */ v5: ["MQTT-6.0.0-2"], /* (5.0) */
    WsNoSubprotocol "ws-no-subprotocol": "the WebSocket upgrade is accepted without selecting a subprotocol"
        v311: ["MQTT-6.0.0-4"], /* (3.1.1) */ v5: ["MQTT-6.0.0-4"], /* (5.0) */
    WsFirstSubprotocol "ws-first-subprotocol": "the WebSocket upgrade selects the first subprotocol offered, not mqtt"
        v311: ["MQTT-6.0.0-4"], /* (3.1.1) */ v5: ["MQTT-6.0.0-4"], /* (5.0) */
    // (more subscription, topic and transport mutants go above this line)

    // 5.0 properties and limits.
    SubscriptionIdNotForwarded "subscription-id-not-forwarded": "deliveries carry no Subscription Identifier"
        v311: [], v5: ["MQTT-3.3.4-3", "MQTT-3.3.4-4"], /* (5.0) */
    SubscriptionIdsFirstOnly "subscription-ids-first-only": "a copy for overlapping subscriptions carries only the first identifier"
        v311: [], v5: ["MQTT-3.3.4-4"], /* (5.0) */
    SeparateCopiesFirstId "separate-copies-first-id": "a copy per overlapping subscription, each carrying the first subscription's identifier"
        v311: [], v5: ["MQTT-3.3.4-5"], /* (5.0) */
    MessageExpiryNotEnforced "message-expiry-not-enforced": "expired messages are still delivered"
        v311: [], v5: ["MQTT-3.3.2-5"], /* (5.0) */
    MessageExpiryNotDecremented "message-expiry-not-decremented": "the forwarded Message Expiry Interval is the original one"
        v311: [], v5: ["MQTT-3.3.2-6"], /* (5.0) */
    UserPropertiesReversed "user-properties-reversed": "forwarded User Properties are in reverse order"
        v311: [], v5: ["MQTT-3.3.2-18", "MQTT-3.1.3-10"], /* (5.0) */
    UserPropertiesDropped "user-properties-dropped": "User Properties are not forwarded"
        v311: [], v5: ["MQTT-3.3.2-17", "MQTT-3.1.3-10"], /* (5.0) */
    PayloadFormatDropped "payload-format-dropped": "Payload Format Indicator is not forwarded"
        v311: [], v5: ["MQTT-3.3.2-4"], /* (5.0) */
    ResponseTopicDropped "response-topic-dropped": "Response Topic is not forwarded"
        v311: [], v5: ["MQTT-3.3.2-15"], /* (5.0) */
    CorrelationDataDropped "correlation-data-dropped": "Correlation Data is not forwarded"
        v311: [], v5: ["MQTT-3.3.2-16"], /* (5.0) */
    ContentTypeDropped "content-type-dropped": "Content Type is not forwarded"
        v311: [], v5: ["MQTT-3.3.2-20"], /* (5.0) */
    TopicAliasIgnored "topic-alias-ignored": "an inbound Topic Alias is not recorded, so a later alias-only PUBLISH fails"
        v311: [], v5: ["MQTT-3.3.2-12"], /* (5.0) */
    TopicAliasCarriedOver "topic-alias-carried-over": "inbound Topic Alias mappings survive into the client's next connection"
        v311: [], v5: ["MQTT-3.3.2-7"], /* (5.0) */
    ServerAliasAboveMaximum "server-alias-above-maximum": "outgoing Topic Aliases exceed the client's Topic Alias Maximum"
        v311: [], v5: ["MQTT-3.1.2-26", "MQTT-3.3.2-11"], /* (5.0) */
    ServerAliasWithoutMaximum "server-alias-without-maximum": "outgoing Topic Aliases are used although the client allowed none"
        v311: [], v5: ["MQTT-3.1.2-27"], /* (5.0) */
    ReceiveMaximumIgnored "receive-maximum-ignored": "more QoS 1/2 PUBLISHes are in flight than the client's Receive Maximum"
        v311: [], v5: ["MQTT-3.3.4-9", "MQTT-4.9.0-2"], /* (5.0) */
    MaximumPacketSizeIgnored "maximum-packet-size-ignored": "PUBLISHes larger than the client's Maximum Packet Size are sent"
        v311: [], v5: ["MQTT-3.1.2-24"], /* (5.0) */
    MaximumPacketSizeWithoutHeader "maximum-packet-size-without-header": "the client's Maximum Packet Size is compared with the Remaining Length instead of the whole packet (Mosquitto 2.0.11 does this)"
        v311: [], v5: ["MQTT-3.1.2-24"], /* (5.0) */
    OversizeQos2Pubrel "oversize-qos2-pubrel": "a QoS 2 message too large for the client is dropped, but its PUBREL is still sent (ejabberd 23.01 does this)"
        v311: [], v5: ["MQTT-3.1.2-25"], /* (5.0) */
    OversizeDisconnects "oversize-disconnects": "a message too large for the client ends its connection instead of being dropped"
        v311: [], v5: ["MQTT-3.1.2-25"], /* (5.0) */
}
