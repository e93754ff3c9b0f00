import AmtomatCore
import Foundation
import Testing

@Suite("Audit hash chain")
struct AuditChainTests {
    static func fields(_ seq: Int64, action: String = "reserve", reference: String? = "R-1", detail: String? = nil) -> AuditChainFields {
        AuditChainFields(seq: seq, at: "2026-11-30 05:00:0\(seq % 10).000", osUser: "anna", action: action,
                         reference: reference, compartment: 3, detail: detail)
    }

    /// A chain of `count` rows as the store writes them.
    static func chain(_ count: Int, from base: AuditCheckpoint = .genesis) -> [StoredAuditLink] {
        var previous = Data(hexString: base.hash)
        return (1...count).map { i in
            let seq = base.seq + Int64(i)
            let f = fields(seq, detail: "entry \(seq)")
            let hash = AuditChain.hash(f, previousHash: previous)
            defer { previous = hash }
            return StoredAuditLink(rowID: seq + 100, seq: seq, at: f.at, osUser: f.osUser, action: f.action, reference: f.reference,
                                   compartment: f.compartment, detail: f.detail, prevHash: previous, hash: hash)
        }
    }

    static func verify(_ rows: [StoredAuditLink], base: AuditCheckpoint = .genesis, checkpoint: AuditCheckpoint? = nil,
                       prunePoints: [AuditCheckpoint] = []) -> AuditVerification {
        var verifier = AuditChainVerifier(base: base, checkpoint: checkpoint, prunePoints: prunePoints)
        for row in rows where !verifier.feed(row) { break }
        return verifier.finish()
    }

    @Test("the hashing rule gives the values an independent implementation (Python's hashlib) computed from docs/security.md")
    func knownAnswers() {
        let first = AuditChainFields(seq: 1, at: "2026-11-30 05:00:00.000", osUser: "anna", action: "reserve",
                                     reference: "P-2026-1", compartment: 3, detail: "passport, size S")
        let h1 = AuditChain.hash(first, previousHash: AuditChain.genesis)
        #expect(AuditCheckpoint(seq: 1, hash: h1).hash == "9c5cb2077069952193b1994e2a8ba8413782360552808cfe97b40bffcaaf2446")
        let second = AuditChainFields(seq: 2, at: "2026-11-30 05:00:01.250", osUser: "amtomatd", action: "tamper-alarm",
                                      reference: nil, compartment: nil, detail: "Tür geöffnet ohne Entriegelung")
        #expect(AuditCheckpoint(seq: 2, hash: AuditChain.hash(second, previousHash: h1)).hash
            == "90920b99ccef5a097c52f91904111f39eb12d52aa17dfbefe8afc53673302aa4")
    }

    @Test("every field and the previous hash count; nil differs from empty; field boundaries cannot shift")
    func encodingIsUnambiguous() {
        let base = Self.fields(4, detail: "x")
        let h = AuditChain.hash(base, previousHash: AuditChain.genesis)
        var variants: [AuditChainFields] = []
        var v = base; v.seq = 5; variants.append(v)
        v = base; v.at = "2026-11-30 05:00:04.001"; variants.append(v)
        v = base; v.osUser = "anne"; variants.append(v)
        v = base; v.action = "withdraw"; variants.append(v)
        v = base; v.reference = nil; variants.append(v)
        v = base; v.reference = ""; variants.append(v)
        v = base; v.compartment = nil; variants.append(v)
        v = base; v.detail = nil; variants.append(v)
        v = base; v.detail = ""; variants.append(v)
        // "R-1" + "x" moved across the boundary between two fields
        v = base; v.reference = "R-1x"; v.detail = ""; variants.append(v)
        for variant in variants { #expect(AuditChain.hash(variant, previousHash: AuditChain.genesis) != h, "\(variant)") }
        #expect(AuditChain.hash(base, previousHash: Data(repeating: 1, count: 32)) != h)
        #expect(AuditChain.hash(base, previousHash: AuditChain.genesis) == h, "the same input always gives the same hash")
    }

    @Test("checkpoints read and print as SEQ:HASH and refuse anything else")
    func checkpointFormat() throws {
        let c = AuditCheckpoint(seq: 42, hash: Data(repeating: 0xab, count: 32))
        #expect(c.description == "42:" + String(repeating: "ab", count: 32))
        #expect(AuditCheckpoint(c.description) == c)
        #expect(AuditCheckpoint(" 42:" + String(repeating: "AB", count: 32) + "\n") == c, "upper case and surrounding blanks are fine")
        for bad in ["", "42", "42:", ":" + String(repeating: "ab", count: 32), "-1:" + String(repeating: "ab", count: 32),
                    "42:" + String(repeating: "ab", count: 31), "42:" + String(repeating: "zz", count: 32),
                    "x:" + String(repeating: "ab", count: 32), "42:" + String(repeating: "ab", count: 32) + ":1"] {
            #expect(AuditCheckpoint(bad) == nil, "\(bad)")
        }
    }

    @Test("an untouched chain verifies, with its head")
    func intact() {
        let rows = Self.chain(5)
        let result = Self.verify(rows)
        #expect(result.intact && result.problem == nil && result.entries == 5)
        #expect(result.head == AuditCheckpoint(seq: 5, hash: rows[4].hash!))
        #expect(Self.verify([]).head == .genesis && Self.verify([]).intact)
    }

    @Test("a changed entry is named")
    func changed() {
        var rows = Self.chain(5)
        rows[2].detail = "entry 3, edited"
        let problem = Self.verify(rows).problem
        #expect(problem?.kind == .changed && problem?.seq == 3)
        rows = Self.chain(5)
        rows[1].seq = 9
        #expect(Self.verify(rows).problem?.kind == .changed, "the sequence number is part of the hash")
    }

    @Test("a removed entry is named by its missing sequence number")
    func removed() {
        var rows = Self.chain(6)
        rows.remove(at: 2)
        rows.remove(at: 2)
        let problem = Self.verify(rows).problem
        #expect(problem?.kind == .removed && problem?.seq == 3)
        #expect(problem?.message.contains("Entries 3 to 4 were removed") == true)
    }

    @Test("a row without chain columns, or with a sequence number already used, was inserted")
    func inserted() {
        var rows = Self.chain(4)
        rows.insert(StoredAuditLink(rowID: 500, seq: nil, at: "2026-11-30 05:00:02.500", osUser: "root", action: "withdraw",
                                    reference: "X", compartment: 1, detail: nil, prevHash: nil, hash: nil), at: 2)
        var problem = Self.verify(rows).problem
        #expect(problem?.kind == .inserted && problem?.rowID == 500 && problem?.seq == nil)
        #expect(problem?.message.contains("follow entry 2") == true)

        rows = Self.chain(4)
        rows.insert(rows[1], at: 2)  // a copy of entry 2, hash and all
        rows[2].rowID = 501
        problem = Self.verify(rows).problem
        #expect(problem?.kind == .inserted && problem?.seq == 2 && problem?.rowID == 501)
    }

    @Test("an entry rewritten with a fresh hash breaks the next link")
    func relinked() {
        var rows = Self.chain(5)
        rows[2].detail = "forged"
        rows[2].hash = AuditChain.hash(AuditChainFields(seq: 3, at: rows[2].at, osUser: rows[2].osUser, action: rows[2].action,
                                                        reference: rows[2].reference, compartment: rows[2].compartment, detail: "forged"),
                                       previousHash: rows[2].prevHash!)
        let problem = Self.verify(rows).problem
        #expect(problem?.kind == .relinked && problem?.seq == 4)
    }

    @Test("a checkpoint proves the prefix: it matches, detects a cut-off tail and a rewritten chain")
    func checkpoints() {
        let rows = Self.chain(6)
        let at4 = AuditCheckpoint(seq: 4, hash: rows[3].hash!)
        #expect(Self.verify(rows, checkpoint: at4).intact)
        #expect(Self.verify(rows, checkpoint: .genesis).intact)

        let cut = Array(rows.prefix(3))
        #expect(Self.verify(cut).intact, "without a checkpoint a cut-off tail cannot be seen")
        let truncated = Self.verify(cut, checkpoint: at4)
        #expect(!truncated.intact && truncated.problem?.kind == .truncated && truncated.problem?.seq == 4)

        var rewritten = Self.chain(6)
        rewritten[0].osUser = "mallory"
        var previous = AuditChain.genesis
        for i in rewritten.indices {  // the whole chain recomputed, as someone with root could do
            rewritten[i].prevHash = previous
            rewritten[i].hash = AuditChain.hash(AuditChainFields(seq: rewritten[i].seq!, at: rewritten[i].at, osUser: rewritten[i].osUser,
                                                                 action: rewritten[i].action, reference: rewritten[i].reference,
                                                                 compartment: rewritten[i].compartment, detail: rewritten[i].detail),
                                                previousHash: previous)
            previous = rewritten[i].hash!
        }
        #expect(Self.verify(rewritten).intact)
        let caught = Self.verify(rewritten, checkpoint: at4)
        #expect(!caught.intact && caught.problem?.kind == .checkpointMismatch && caught.problem?.seq == 4)
    }

    @Test("a pruned prefix: the chain verifies from the recorded checkpoint; older checkpoints are checked where recorded")
    func pruned() {
        let full = Self.chain(8)
        let base = AuditCheckpoint(seq: 5, hash: full[4].hash!)
        let kept = Array(full.dropFirst(5))
        let result = Self.verify(kept, base: base, prunePoints: [base])
        #expect(result.intact && result.entries == 3 && result.base == base && result.head.seq == 8)
        #expect(Self.verify(kept, base: base, checkpoint: base, prunePoints: [base]).intact)

        let older = AuditCheckpoint(seq: 2, hash: full[1].hash!)
        let unverifiable = Self.verify(kept, base: base, checkpoint: older, prunePoints: [base])
        #expect(!unverifiable.intact && unverifiable.problem?.kind == .checkpointPruned)
        let earlierPrune = Self.verify(kept, base: base, checkpoint: older, prunePoints: [older, base])
        #expect(earlierPrune.intact, "a checkpoint equal to an earlier prune's record still checks")

        // The record of the prune deleted too: the chain then starts at 0 and entries 1–5 are missing.
        let noBase = Self.verify(kept)
        #expect(noBase.problem?.kind == .removed && noBase.problem?.seq == 1)
        // The first kept entry must link to the recorded checkpoint.
        let wrongBase = AuditCheckpoint(seq: 5, hash: Data(repeating: 7, count: 32))
        #expect(Self.verify(kept, base: wrongBase, prunePoints: [wrongBase]).problem?.kind == .relinked)
    }
}

extension Data {
    init(hexString: String) {
        self.init()
        var index = hexString.startIndex
        while index < hexString.endIndex {
            let next = hexString.index(index, offsetBy: 2)
            append(UInt8(hexString[index..<next], radix: 16)!)
            index = next
        }
    }
}
