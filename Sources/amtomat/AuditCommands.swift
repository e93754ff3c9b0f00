import AmtomatAPI
import AmtomatCore
import ArgumentParser
import Foundation

struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the audit log, check its hash chain, and take checkpoints of it.",
        discussion: """
        Every audit entry carries a sequence number and the hash of the entry before it, so an entry \
        cannot be changed, removed or inserted without 'amtomat audit verify' noticing. Someone with \
        root on the locker could recompute the whole chain; a checkpoint kept off the box catches \
        that: take one regularly (e.g. weekly, into the clerks' files) and verify against it.

        Examples:
          amtomat audit --limit 20
          amtomat audit verify
          amtomat audit checkpoint >> /media/usb/amtomat-checkpoints.txt
          amtomat audit verify --checkpoint 1234:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
          amtomat audit counts
        """,
        subcommands: [Log.self, Verify.self, Checkpoint.self, Counts.self],
        defaultSubcommand: Log.self)

    struct Log: LockerCommand {
        static let configuration = CommandConfiguration(
            commandName: "log",
            abstract: "Show the latest audit entries: who changed what, when (the default).",
            discussion: "Example:\n  amtomat audit --limit 20")
        @OptionGroup var options: GlobalOptions
        @Option(help: "How many of the latest entries.") var limit = 50

        func execute() async throws {
            let entries = try await options.get("/audit?limit=\(limit)", as: [AuditEntryView].self)
            if options.json { return try options.printJSON(entries) }
            let labels = Dictionary(uniqueKeysWithValues: try await options.get("/status", as: StatusView.self).compartments.map { ($0.id, $0.label) })
            for e in entries {
                print([e.seq.map { "#\($0)" } ?? "#-", shown(e.at, seconds: true), e.user, e.action, e.reference ?? "-",
                       e.compartment.map { "compartment \(compartmentName($0, label: labels[$0]))" } ?? "-", e.detail ?? ""]
                    .joined(separator: "  "))
            }
        }
    }

    struct Verify: LockerCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the hash chain; name the first entry that was changed, removed or inserted.",
            discussion: """
            Exit status 0 when the chain is whole (and matches the checkpoint), 1 when it is not. \
            A checkpoint is written SEQ:HASH, as 'amtomat audit checkpoint' prints it; with it, verify \
            also proves that no entry up to SEQ was rewritten and that the log was not cut off before it. \
            Entries pruned for retention are replaced by a recorded checkpoint; the chain verifies from \
            there, and a checkpoint older than the last prune can no longer be checked.

            Examples:
              amtomat audit verify
              amtomat audit verify --checkpoint 1234:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 --json
            """)
        @OptionGroup var options: GlobalOptions
        @Option(help: ArgumentHelp("A checkpoint kept off the box.", valueName: "SEQ:HASH")) var checkpoint: String?

        func validate() throws {
            if let checkpoint, AuditCheckpoint(checkpoint) == nil {
                throw ValidationError("'\(checkpoint)' is not a checkpoint; write it as \(AuditCheckpoint.format) (what 'amtomat audit checkpoint' prints).")
            }
        }

        func execute() async throws {
            let query = checkpoint.flatMap { AuditCheckpoint($0) }.map { "?checkpoint=\($0)" } ?? ""
            let result = try await options.get("/audit/verify\(query)", as: AuditVerification.self)
            if options.json {
                try options.printJSON(result)
            } else if let problem = result.problem {
                print("Audit log NOT intact. \(problem.message)")
                if let expected = problem.expectedHash, let actual = problem.actualHash {
                    print("  expected hash \(expected)\n  found          \(actual)")
                }
                print("Keep a copy of the database for the investigation before anything else changes it (see docs/security.md).")
            } else {
                let from = result.base.seq == 0 ? "from the first entry" : "from checkpoint \(result.base.seq) (older entries pruned for retention)"
                print("Audit log intact: \(result.entries) entr\(result.entries == 1 ? "y" : "ies") chained \(from); head \(result.head).")
                if let c = result.checkpoint {
                    print("Checkpoint \(c.seq) matches: nothing up to it was rewritten or cut off.")
                }
            }
            if !result.intact { throw ExitCode(1) }
        }
    }

    struct Checkpoint: LockerCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the chain's head as SEQ:HASH, to keep off the box.",
            discussion: """
            Prints one line, SEQ:HASH. Keep it where nobody with access to the locker can change it \
            (the clerks' file share, a printout); later, 'amtomat audit verify --checkpoint SEQ:HASH' \
            proves that nothing up to it was rewritten or cut off.

            Examples:
              amtomat audit checkpoint
              amtomat audit checkpoint --json
            """)
        @OptionGroup var options: GlobalOptions

        func execute() async throws {
            let head = try await options.get("/audit/checkpoint", as: AuditHeadView.self)
            if options.json { return try options.printJSON(head) }
            print(head.checkpoint)
        }
    }

    struct Counts: LockerCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show how many audit entries of each action and document kind were pruned per day.",
            discussion: "Entries older than [retention] audit_days are pruned; these counts stay for statistics.\nExample:\n  amtomat audit counts --json")
        @OptionGroup var options: GlobalOptions

        func execute() async throws {
            let counts = try await options.get("/audit/counts", as: [AuditCountView].self)
            if options.json { return try options.printJSON(counts) }
            if counts.isEmpty { print("No audit entries have been pruned yet.") }
            for c in counts { print("\(c.day)  \(c.action)  \(c.kind.isEmpty ? "-" : c.kind)  \(c.count)") }
        }
    }
}
