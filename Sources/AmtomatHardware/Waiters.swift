import Synchronization

/// Tasks waiting for something to happen to a key (a door, a document's code), woken when it does
/// instead of polling: `ticket(for:)` registers before the waiter lets go of its actor, so a signal
/// that comes between the check and the wait is not lost; `wait(_:until:)` then suspends until the
/// signal, the deadline or cancellation.
public final class Waiters<Key: Hashable & Sendable>: Sendable {
    public struct Ticket: Sendable {
        fileprivate let id: Int
    }

    private struct Entry {
        var key: Key
        var continuation: CheckedContinuation<Void, Never>?
        var signalled = false
        var cancelled = false
    }

    private let state = Mutex<(next: Int, entries: [Int: Entry])>((0, [:]))

    public init() {}

    /// Registers interest in `key`; a signal from now on is kept for the ticket's `wait`.
    public func ticket(for key: Key) -> Ticket {
        state.withLock { s in
            s.next += 1
            s.entries[s.next] = Entry(key: key)
            return Ticket(id: s.next)
        }
    }

    /// Wakes every waiter of `key`.
    public func signal(_ key: Key) {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { s in
            var woken: [CheckedContinuation<Void, Never>] = []
            for (id, entry) in s.entries where entry.key == key {
                if let c = entry.continuation {
                    woken.append(c)
                    s.entries[id]?.continuation = nil
                }
                s.entries[id]?.signalled = true
            }
            return woken
        }
        for c in woken { c.resume() }
    }

    /// Waits until the ticket's key is signalled (true), or the deadline passes or the task is
    /// cancelled (false). The ticket is used up either way.
    public func wait(_ ticket: Ticket, until deadline: ContinuousClock.Instant) async -> Bool {
        defer { _ = state.withLock { $0.entries.removeValue(forKey: ticket.id) } }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.suspend(ticket) }
            group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
            await group.next()
            group.cancelAll()
        }
        return state.withLock { $0.entries[ticket.id]?.signalled ?? false }
    }

    private func suspend(_ ticket: Ticket) async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    guard let entry = s.entries[ticket.id], !entry.signalled, !entry.cancelled else { return true }
                    s.entries[ticket.id]?.continuation = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c: CheckedContinuation<Void, Never>? = state.withLock { s in
                let c = s.entries[ticket.id]?.continuation
                s.entries[ticket.id]?.continuation = nil
                s.entries[ticket.id]?.cancelled = true
                return c
            }
            c?.resume()
        }
    }
}
