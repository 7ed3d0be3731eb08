import Testing
@testable import VellumServer

@Suite("Client address behind trusted proxies")
struct TrustedProxiesTests {
    let proxies = try! TrustedProxies(parsing: "10.0.0.0/8, 192.168.1.7, fd00::/8")

    @Test func withoutTrustedProxiesTheHeadersAreIgnored() {
        #expect(TrustedProxies().clientAddress(peer: "10.1.2.3", forwarded: ["for=203.0.113.9"], xForwardedFor: ["198.51.100.1"]) == "10.1.2.3")
    }

    @Test func anUntrustedPeerIsTheClientWhateverItForwards() {
        #expect(proxies.clientAddress(peer: "198.51.100.77", forwarded: [], xForwardedFor: ["203.0.113.9"]) == "198.51.100.77")
    }

    @Test func theFirstUntrustedHopFromTheNearestEndIsTheClient() {
        // The client spoofed 1.2.3.4 in its own header; the proxies appended what they saw.
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwarded: [], xForwardedFor: ["1.2.3.4, 203.0.113.9", "192.168.1.7"]) == "203.0.113.9")
    }

    @Test func forwardedIsPreferredAndItsNodesAreUnwrapped() {
        let forwarded = [#"for=192.0.2.60;proto=https;by=203.0.113.43, for="[2001:db8:cafe::17]:4711""#]
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwarded: forwarded, xForwardedFor: ["198.51.100.1"]) == "2001:db8:cafe::17")
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwarded: ["For=\"192.0.2.60:8080\""], xForwardedFor: []) == "192.0.2.60")
    }

    @Test func anObfuscatedHopStopsTheWalkAtTheLastKnownAddress() {
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwarded: ["for=203.0.113.9, for=unknown"], xForwardedFor: []) == "10.0.0.2")
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwarded: ["for=_hidden, for=10.0.0.5"], xForwardedFor: []) == "10.0.0.5")
    }

    @Test func allHopsTrustedGivesTheFarthest() {
        #expect(proxies.clientAddress(peer: "10.0.0.2", forwarded: [], xForwardedFor: ["10.9.9.9"]) == "10.9.9.9")
    }

    @Test func ipv4MappedPeersMatchIPv4Blocks() {
        #expect(proxies.clientAddress(peer: "::ffff:10.0.0.2", forwarded: [], xForwardedFor: ["203.0.113.9"]) == "203.0.113.9")
        #expect(proxies.clientAddress(peer: "fd12::1", forwarded: [], xForwardedFor: ["2001:db8::1"]) == "2001:db8::1")
    }

    @Test func blocksParseAndRefuseNonsense() throws {
        #expect(IPNetwork("10.0.0.0/8")?.contains("10.255.0.1") == true)
        #expect(IPNetwork("10.0.0.0/8")?.contains("11.0.0.1") == false)
        #expect(IPNetwork("192.168.1.128/25")?.contains("192.168.1.200") == true)
        #expect(IPNetwork("192.168.1.128/25")?.contains("192.168.1.100") == false)
        #expect(IPNetwork("0.0.0.0/0")?.contains("8.8.8.8") == true)
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("example.com") == nil)
        #expect(throws: TrustedProxies.InvalidNetwork.self) { try TrustedProxies(parsing: "10.0.0.0/8,nonsense") }
    }
}
