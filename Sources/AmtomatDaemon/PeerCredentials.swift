import Foundation
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// The operating-system user at the other end of the control socket, as the kernel reports it
/// (SO_PEERCRED). Nothing the client sends about itself is ever trusted for this.
public struct Peer: Sendable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var pid: Int32
    public var userName: String
    /// The primary group and every group the user database lists for this user.
    public var groups: Set<UInt32>
}

public enum Role: String, Sendable, Codable, CaseIterable {
    case clerk, technician
    /// amtomat-notify: may fetch due notifications and report their delivery, nothing else.
    case notifier
}

/// Which groups grant which role. Root holds both roles: it can open the GPIO device anyway.
public struct RoleMap: Sendable {
    public var clerkGID: UInt32?
    public var technicianGID: UInt32?
    public var notifierGID: UInt32?

    public init(clerkGID: UInt32?, technicianGID: UInt32?, notifierGID: UInt32? = nil) {
        self.clerkGID = clerkGID
        self.technicianGID = technicianGID
        self.notifierGID = notifierGID
    }

    /// Resolves group names (or numeric ids) from the configuration; unknown names yield nil.
    public init(clerkGroup: String, technicianGroup: String) {
        self.init(clerkGID: groupID(clerkGroup), technicianGID: groupID(technicianGroup))
    }

    public func roles(of peer: Peer) -> Set<Role> {
        if peer.uid == 0 { return Set(Role.allCases) }
        var roles = Set<Role>()
        if let g = clerkGID, peer.groups.contains(g) { roles.insert(.clerk) }
        if let g = technicianGID, peer.groups.contains(g) { roles.insert(.technician) }
        if let g = notifierGID, peer.groups.contains(g) { roles.insert(.notifier) }
        return roles
    }
}

/// A group name or a numeric gid.
public func groupID(_ nameOrNumber: String) -> UInt32? {
    if let n = UInt32(nameOrNumber) { return n }
    guard let entry = getgrnam(nameOrNumber) else { return nil }
    return entry.pointee.gr_gid
}

/// Layout of Linux's `struct ucred` (pid_t, uid_t, gid_t), which Swift's Glibc module does not
/// import because it sits behind _GNU_SOURCE.
struct KernelPeerCred: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// SO_PEERCRED from <asm-generic/socket.h> (x86_64, arm64, armhf).
let soPeerCred: Int32 = 17

enum PeerCredentials {
    /// Asks the kernel who is connected on this Unix-socket channel.
    static func of(_ channel: any Channel) async throws -> Peer {
        guard let provider = channel as? any SocketOptionProvider else {
            throw APIError(.forbidden, "The control API only answers on its Unix socket.")
        }
        let cred: KernelPeerCred = try await provider.unsafeGetSocketOption(
            level: SocketOptionLevel(SOL_SOCKET), name: SocketOptionName(soPeerCred)).get()
        return lookup(uid: cred.uid, gid: cred.gid, pid: cred.pid)
    }

    static func lookup(uid: UInt32, gid: UInt32, pid: Int32) -> Peer {
        var groups: Set<UInt32> = [gid]
        var name = "uid:\(uid)"
        var pwd = passwd()
        var buffer = [CChar](repeating: 0, count: 4096)
        var result: UnsafeMutablePointer<passwd>?
        if getpwuid_r(uid, &pwd, &buffer, buffer.count, &result) == 0, result != nil {
            name = String(cString: pwd.pw_name)
            var count: Int32 = 64
            var list = [gid_t](repeating: 0, count: Int(count))
            if getgrouplist(pwd.pw_name, gid, &list, &count) == -1 {
                list = [gid_t](repeating: 0, count: Int(count))
                _ = getgrouplist(pwd.pw_name, gid, &list, &count)
            }
            groups.formUnion(list.prefix(Int(max(0, count))))
        }
        return Peer(uid: uid, gid: gid, pid: pid, userName: name, groups: groups)
    }
}
