import AmtomatCore
import Testing
@testable import AmtomatConfig

/// `[retention]`: defaults, values, and located diagnostics for each mistake.
@Suite struct RetentionConfigTests {
    func expectDiagnostic(_ fragment: String, in text: String, fixMentions: String,
                          sourceLocation: SourceLocation = #_sourceLocation) {
        guard let found = diagnostic(fragment, in: text, sourceLocation: sourceLocation) else { return }
        #expect(found.line == line(in: text), "\(found)", sourceLocation: sourceLocation)
        #expect(found.fix.contains(fixMentions), "\(found)", sourceLocation: sourceLocation)
    }

    @Test func defaultsWhenTheSectionIsAbsent() throws {
        let settings = try ConfigLoader.parse(minimalLocker).settings
        #expect(settings.retention == RetentionPolicy(finishedDocumentDays: 180, auditDays: 180))
    }

    @Test func valuesAreRead() throws {
        let text = "[retention]\nfinished_document_days = 90\naudit_days = 400\n" + minimalLocker
        #expect(try ConfigLoader.parse(text).settings.retention == RetentionPolicy(finishedDocumentDays: 90, auditDays: 400))
    }

    @Test func daysOutOfRange() {
        let text = "[retention]\nfinished_document_days = 0 # <-\n" + minimalLocker
        expectDiagnostic("in [retention], finished_document_days must be from 1 to 3650, not 0", in: text, fixMentions: "1 to 3650 days")
    }

    @Test func auditDaysMustOutliveTheHoldPeriod() {
        let text = "[codes]\nmax_hold_days = 28\n[retention]\naudit_days = 28 # <-\n" + minimalLocker
        expectDiagnostic("audit_days (28) is not longer than [codes] max_hold_days (28)", in: text, fixMentions: "more than 28")
    }

    @Test func theDefaultAuditPeriodAgainstALongHoldPeriodIsReportedAtTheHoldPeriod() {
        let text = "[codes]\nmax_hold_days = 200 # <-\n" + minimalLocker
        expectDiagnostic("is not shorter than the default [retention] audit_days (180)", in: text, fixMentions: "audit_days = 201")
    }

    @Test func misspeltKey() {
        let text = "[retention]\nfinished_documents_days = 30 # <-\n" + minimalLocker
        expectDiagnostic("unknown key 'finished_documents_days' in [retention]; did you mean 'finished_document_days'?", in: text,
                         fixMentions: "finished_document_days")
    }
}
