public import Crypto
import NIOCore
public import VellumCore

/// The seal chain's half of `verify` (DESIGN.md §5), fed one seal at a time in seal order: it
/// recomputes the chain from the events' stored hashes, notes every sealed event that is gone or
/// stands elsewhere, keeps the chain at each checkpoint, and finds the earliest event no trusted
/// checkpoint covers. Pure; `LogVerifier` reads the rows and names the events of its findings.
public struct SealVerifier: Sendable {
    /// What the seal pass found.
    public struct Report: Sendable {
        public var seals = 0
        public var checkpoints = 0
        public var unsealed = 0
        /// The newest seal a valid, trusted checkpoint vouches for.
        public var coveredThrough: Int64 = 0
        public var faults: [ChainFault] = []
    }

    /// An event old enough to be sealed and covered (its position, and its seal if it has one).
    struct OldEvent: Sendable {
        let position: Int64
        let streamID: String
        let version: Int64
        let sealSeq: Int64?
    }

    private var chain = SealChain.genesis
    private var expectedSeq: Int64 = 1
    private var chainBroken = false
    private(set) var seals = 0
    /// Seals whose event is gone (the first thousand), and whose place holds another event (the first hundred).
    private(set) var vanished: [Int64] = []
    private(set) var moved: [Int64] = []
    /// The first seal whose event's hash is not the one sealed, while the chain still held.
    private(set) var altered: (seq: Int64, position: Int64)?
    /// The first run of missing seal numbers.
    private(set) var gap: (first: Int64, last: Int64, position: Int64)?
    /// The recomputed chain at each checkpoint's seal.
    private(set) var chainAt: [Int64: [UInt8]] = [:]
    /// Checkpoint seals, ascending; old events are kept per stretch between them, the earliest of
    /// each, so the first uncovered event is known whichever checkpoint turns out the last trusted.
    private let boundaries: [Int64]
    private var stretch = 0
    private var earliestOld: [Int: OldEvent] = [:]

    init(checkpointSeqs: Set<Int64>) {
        boundaries = checkpointSeqs.sorted()
    }

    /// Takes the next seal: its number, position and stored chain, and the event now at that
    /// position (nil hash: none) with whether it is the one sealed and whether it is old enough to
    /// need a trusted checkpoint (`oldEvent` names it, called only when it might be the first).
    mutating func next(seq: Int64, position: Int64, storedChain: ByteBuffer, eventHash: ByteBuffer?, inPlace: Bool?,
                       isOld: Bool, oldEvent: () -> (streamID: String, version: Int64)) {
        seals += 1
        if seq != expectedSeq && !chainBroken {
            gap = (expectedSeq, seq - 1, position)
            chainBroken = true
        }
        expectedSeq = seq + 1
        guard let eventHash, let inPlace else {
            if vanished.count < 1_000 { vanished.append(position) }
            chainBroken = true
            return
        }
        if !inPlace && moved.count < 100 { moved.append(position) }
        chain = eventHash.withUnsafeReadableBytes { SealChain.next(previous: chain, sealSeq: seq, eventHash: $0) }
        if !chainBroken && !storedChain.readableBytesView.elementsEqual(chain) {
            altered = (seq, position)
            chainBroken = true
        }
        while stretch < boundaries.count && seq > boundaries[stretch] { stretch += 1 }
        if stretch < boundaries.count && seq == boundaries[stretch] { chainAt[seq] = chain }
        if isOld, earliestOld[stretch].map({ position < $0.position }) ?? true {
            let (streamID, version) = oldEvent()
            earliestOld[stretch] = OldEvent(position: position, streamID: streamID, version: version, sealSeq: seq)
        }
    }

    /// The earliest old event sealed after `covered` (a checkpoint's seal, or 0).
    func earliestOld(after covered: Int64) -> OldEvent? {
        let first = covered == 0 ? 0 : boundaries.firstIndex(of: covered).map { $0 + 1 }
            ?? boundaries.firstIndex { $0 > covered } ?? boundaries.count
        return earliestOld.filter { $0.key >= first }.values.min { $0.position < $1.position }
    }

    /// Whether `key` signed `checkpoint` over the chain recomputed at its seal; nil when it holds.
    func check(_ checkpoint: Checkpoint, keys: [String: Curve25519.Signing.PublicKey], source: String) -> ChainFault? {
        func fault(_ why: String) -> ChainFault {
            ChainFault(kind: .checkpointMismatch, position: nil, streamID: "", version: 0,
                       detail: "\(source) checkpoint at seal \(checkpoint.sealSeq): \(why)")
        }
        guard let key = keys[checkpoint.keyID] else { return fault("signed by audit key \(checkpoint.keyID), which is not trusted") }
        let message = CheckpointMessage.bytes(sealSeq: checkpoint.sealSeq, chainHash: checkpoint.chainHash, signedAt: checkpoint.signedAt)
        guard key.isValidSignature(checkpoint.signature, for: message) else { return fault("the signature does not verify") }
        guard let recomputed = chainAt[checkpoint.sealSeq] else { return fault("the seal chain no longer reaches it") }
        guard recomputed == checkpoint.chainHash else { return fault("the seal chain differs") }
        return nil
    }

    /// The first pair of consecutive trusted checkpoints (from seal 0) further apart than `spacing`.
    static func widestGap(in trusted: Set<Int64>, beyond spacing: Int64) -> (from: Int64, to: Int64)? {
        var previous: Int64 = 0
        for seq in trusted.sorted() {
            if seq - previous > spacing { return (previous, seq) }
            previous = seq
        }
        return nil
    }
}
