import Crypto
import Foundation

/// What one audit entry says, exactly as the database stores it. This is what the chain hashes.
///
/// `at` is the stored text ("yyyy-MM-dd HH:mm:ss.SSS", UTC), not a `Date`, so the hash covers the
/// very bytes in the file and anyone can recompute it from a copy with `sqlite3` and `sha256sum`.
public struct AuditChainFields: Sendable, Equatable {
    public var seq: Int64
    public var at: String
    public var osUser: String
    public var action: String
    public var reference: String?
    public var compartment: Int?
    public var detail: String?

    public init(seq: Int64, at: String, osUser: String, action: String, reference: String?, compartment: Int?, detail: String?) {
        self.seq = seq
        self.at = at
        self.osUser = osUser
        self.action = action
        self.reference = reference
        self.compartment = compartment
        self.detail = detail
    }
}

/// The audit log's hash chain: each entry's hash covers its content and the previous entry's hash,
/// so an entry cannot be changed, removed or slipped in without breaking every later link.
///
/// The rule (version 1, frozen — a new rule gets a new version and a migration):
///
///     hash = SHA-256( "amtomat-audit-v1" || field(seq) || field(prevHash) || field(at) || field(osUser)
///                     || field(action) || field(reference) || field(compartment) || field(detail) )
///     field(nil)   = 0x00
///     field(bytes) = 0x01 || UInt32 big-endian length || bytes
///
/// Numbers are written as decimal ASCII, text as UTF-8, `prevHash` as its 32 raw bytes. The length
/// prefixes make the encoding unambiguous, and nil differs from the empty string.
public enum AuditChain {
    public static let domain = Array("amtomat-audit-v1".utf8)
    /// The previous hash of the very first entry.
    public static let genesis = Data(repeating: 0, count: 32)

    public static func canonicalEncoding(_ f: AuditChainFields, previousHash: Data) -> [UInt8] {
        var out = domain
        func field(_ bytes: [UInt8]?) {
            guard let bytes else { out.append(0); return }
            out.append(1)
            withUnsafeBytes(of: UInt32(bytes.count).bigEndian) { out.append(contentsOf: $0) }
            out.append(contentsOf: bytes)
        }
        field(Array(String(f.seq).utf8))
        field(Array(previousHash))
        field(Array(f.at.utf8))
        field(Array(f.osUser.utf8))
        field(Array(f.action.utf8))
        field(f.reference.map { Array($0.utf8) })
        field(f.compartment.map { Array(String($0).utf8) })
        field(f.detail.map { Array($0.utf8) })
        return out
    }

    public static func hash(_ f: AuditChainFields, previousHash: Data) -> Data {
        Data(SHA256.hash(data: canonicalEncoding(f, previousHash: previousHash)))
    }

    static func hex(_ data: Data) -> String { Hex.string(data) }
}

/// A point of the chain: an entry's sequence number and hash. Written `SEQ:HASH`, e.g.
/// `1234:9f86d081…0a08` (64 lowercase hex digits) — what `amtomat audit checkpoint` prints and
/// `amtomat audit verify --checkpoint` takes. `0:000…0` is the empty log.
public struct AuditCheckpoint: Codable, Sendable, Equatable, CustomStringConvertible {
    public var seq: Int64
    /// 64 lowercase hex digits.
    public var hash: String

    public init(seq: Int64, hash: Data) {
        self.seq = seq
        self.hash = AuditChain.hex(hash)
    }

    public static let genesis = AuditCheckpoint(seq: 0, hash: AuditChain.genesis)

    /// Reads `SEQ:HASH`; nil when the text is not of that form.
    public init?(_ text: String) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let seq = Int64(parts[0]), seq >= 0 else { return nil }
        let hash = parts[1].lowercased()
        guard hash.count == 64, hash.allSatisfy({ $0.isHexDigit && $0.isASCII }) else { return nil }
        self.seq = seq
        self.hash = hash
    }

    public var description: String { "\(seq):\(hash)" }
    public static let format = "SEQ:HASH, e.g. 1234:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
}

/// One stored audit row as the verifier sees it. Chain columns are optional: a row slipped in
/// behind the daemon's back usually has none.
public struct StoredAuditLink: Sendable, Equatable {
    public var rowID: Int64
    public var seq: Int64?
    public var at: String
    public var osUser: String
    public var action: String
    public var reference: String?
    public var compartment: Int?
    public var detail: String?
    public var prevHash: Data?
    public var hash: Data?

    public init(rowID: Int64, seq: Int64?, at: String, osUser: String, action: String, reference: String?,
                compartment: Int?, detail: String?, prevHash: Data?, hash: Data?) {
        self.rowID = rowID
        self.seq = seq
        self.at = at
        self.osUser = osUser
        self.action = action
        self.reference = reference
        self.compartment = compartment
        self.detail = detail
        self.prevHash = prevHash
        self.hash = hash
    }

    var summary: String { "\(at) \(osUser) \(action)\(reference.map { " \($0)" } ?? "")" }
}

/// The first thing wrong with the chain.
public struct AuditChainProblem: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// The entry's content (or its chain columns) no longer match its hash.
        case changed
        /// Entries are missing: their sequence numbers are skipped.
        case removed
        /// A row that the daemon did not write: no chain columns, or a sequence number out of order.
        case inserted
        /// The entry does not link to the one before it: that one was rewritten with a new hash, or an
        /// entry between them was removed or inserted and the rest renumbered.
        case relinked
        /// The log ends before the checkpoint: entries after the end were cut off.
        case truncated
        /// The checkpoint's entry has another hash: the log up to it was rewritten.
        case checkpointMismatch = "checkpoint-mismatch"
        /// The checkpoint lies in the part of the log pruned for retention; it cannot be checked any more.
        case checkpointPruned = "checkpoint-pruned"
    }

    public var kind: Kind
    /// The entry named (for `removed`, the first missing sequence number).
    public var seq: Int64?
    /// The database row, where there is one.
    public var rowID: Int64?
    /// One sentence for people.
    public var message: String
    public var expectedHash: String?
    public var actualHash: String?

    public init(kind: Kind, seq: Int64?, rowID: Int64?, message: String, expectedHash: String? = nil, actualHash: String? = nil) {
        self.kind = kind
        self.seq = seq
        self.rowID = rowID
        self.message = message
        self.expectedHash = expectedHash
        self.actualHash = actualHash
    }
}

/// The answer of `amtomat audit verify` (also its `--json` output and the control API's body).
public struct AuditVerification: Codable, Sendable, Equatable {
    /// True when the chain is whole and, if a checkpoint was given, it matches.
    public var intact: Bool
    /// Entries checked.
    public var entries: Int
    /// Where the stored chain starts: `0:000…` or the checkpoint recorded when older entries were pruned.
    public var base: AuditCheckpoint
    /// The last entry (the base when no entry is stored).
    public var head: AuditCheckpoint
    /// The checkpoint given, if any.
    public var checkpoint: AuditCheckpoint?
    public var problem: AuditChainProblem?

    public init(intact: Bool, entries: Int, base: AuditCheckpoint, head: AuditCheckpoint,
                checkpoint: AuditCheckpoint?, problem: AuditChainProblem?) {
        self.intact = intact
        self.entries = entries
        self.base = base
        self.head = head
        self.checkpoint = checkpoint
        self.problem = problem
    }
}

/// Walks the stored rows in the order they were written (row id) and stops at the first problem.
/// Streaming, so years of audit log never have to sit in memory at once.
public struct AuditChainVerifier: Sendable {
    public let base: AuditCheckpoint
    private let baseHash: Data
    private let checkpoint: AuditCheckpoint?
    /// Checkpoints recorded by earlier prunes (a checkpoint from the off-box copy may match one).
    private let prunePoints: [AuditCheckpoint]
    private var lastSeq: Int64
    private var lastHash: Data
    private var checked = 0
    private var hashAtCheckpoint: String?
    public private(set) var problem: AuditChainProblem?

    /// `base` is the latest prune checkpoint, or `.genesis` for a log that was never pruned.
    public init(base: AuditCheckpoint, checkpoint: AuditCheckpoint? = nil, prunePoints: [AuditCheckpoint] = []) {
        self.base = base
        baseHash = Self.data(hex: base.hash) ?? AuditChain.genesis
        self.checkpoint = checkpoint
        self.prunePoints = prunePoints
        lastSeq = base.seq
        lastHash = baseHash
    }

    /// Checks one row; returns false once a problem is found (stop feeding then).
    @discardableResult
    public mutating func feed(_ row: StoredAuditLink) -> Bool {
        guard problem == nil else { return false }
        let expected = lastSeq + 1
        guard let seq = row.seq, let hash = row.hash, let prev = row.prevHash else {
            problem = AuditChainProblem(kind: .inserted, seq: nil, rowID: row.rowID,
                            message: "Row \(row.rowID) (\(row.summary)) was inserted behind the daemon's back: it has no place in the chain (it would follow entry \(lastSeq)).")
            return false
        }
        let fields = AuditChainFields(seq: seq, at: row.at, osUser: row.osUser, action: row.action,
                                      reference: row.reference, compartment: row.compartment, detail: row.detail)
        let recomputed = AuditChain.hash(fields, previousHash: prev)
        guard recomputed == hash else {
            problem = AuditChainProblem(kind: .changed, seq: seq, rowID: row.rowID,
                            message: "Entry \(seq) (\(row.summary)) was changed: its content no longer matches its hash.",
                            expectedHash: AuditChain.hex(hash), actualHash: AuditChain.hex(recomputed))
            return false
        }
        if seq < expected {
            problem = AuditChainProblem(kind: .inserted, seq: seq, rowID: row.rowID,
                            message: "Entry \(seq) (\(row.summary), row \(row.rowID)) was inserted: it comes after entry \(lastSeq), where entry \(expected) belongs.")
            return false
        }
        if seq > expected {
            let range = seq - 1 == expected ? "Entry \(expected) was" : "Entries \(expected) to \(seq - 1) were"
            problem = AuditChainProblem(kind: .removed, seq: expected, rowID: nil,
                            message: "\(range) removed: the log goes from entry \(lastSeq) straight to entry \(seq).")
            return false
        }
        guard prev == lastHash else {
            let before = lastSeq == base.seq && base.seq > 0 ? "the checkpoint recorded when older entries were pruned" : "entry \(lastSeq)"
            problem = AuditChainProblem(kind: .relinked, seq: seq, rowID: row.rowID,
                            message: "Entry \(seq) (\(row.summary)) does not link to \(before): that entry was rewritten, or entries around it were removed or inserted and the rest renumbered.",
                            expectedHash: AuditChain.hex(lastHash), actualHash: AuditChain.hex(prev))
            return false
        }
        lastSeq = seq
        lastHash = hash
        checked += 1
        if seq == checkpoint?.seq { hashAtCheckpoint = AuditChain.hex(hash) }
        return true
    }

    /// The verdict once every row was fed (or the walk stopped at a problem).
    public func finish() -> AuditVerification {
        let head = AuditCheckpoint(seq: lastSeq, hash: lastHash)
        var problem = self.problem
        if problem == nil, let c = checkpoint { problem = check(c, head: head) }
        return AuditVerification(intact: problem == nil, entries: checked, base: base, head: head,
                                 checkpoint: checkpoint, problem: problem)
    }

    private func check(_ c: AuditCheckpoint, head: AuditCheckpoint) -> AuditChainProblem? {
        func mismatch(_ actual: String) -> AuditChainProblem {
            .init(kind: .checkpointMismatch, seq: c.seq, rowID: nil,
                  message: "Entry \(c.seq) has hash \(actual.prefix(16))…, but the checkpoint says \(c.hash.prefix(16))…: the log up to entry \(c.seq) was rewritten.",
                  expectedHash: c.hash, actualHash: actual)
        }
        if c.seq > head.seq {
            return AuditChainProblem(kind: .truncated, seq: head.seq + 1, rowID: nil,
                         message: "The log ends at entry \(head.seq), but the checkpoint names entry \(c.seq): entries \(head.seq + 1) to \(c.seq) were cut off.")
        }
        if c.seq == base.seq { return c.hash == base.hash ? nil : mismatch(base.hash) }
        if c.seq < base.seq {
            if let recorded = (prunePoints + [.genesis]).first(where: { $0.seq == c.seq }) {
                return recorded.hash == c.hash ? nil : mismatch(recorded.hash)
            }
            return AuditChainProblem(kind: .checkpointPruned, seq: c.seq, rowID: nil,
                         message: "Entries up to \(base.seq) were pruned for retention, so checkpoint \(c.seq) can no longer be checked; verify against a checkpoint taken after entry \(base.seq).")
        }
        guard let actual = hashAtCheckpoint else {
            return AuditChainProblem(kind: .removed, seq: c.seq, rowID: nil, message: "Entry \(c.seq) of the checkpoint is not in the log.")
        }
        return actual == c.hash ? nil : mismatch(actual)
    }

    static func data(hex: String) -> Data? { Hex.bytes(hex).map { Data($0) } }
}
