import Foundation

/// The signal that stopped a batch job, if any: Slurm sends SIGTERM on `scancel` and at the time limit, then
/// SIGKILL after its `KillWait`. The stage is told to stop, so the job can record that it was terminated.
final class JobSignals: @unchecked Sendable {
    private let lock = NSLock()
    private var name: String?
    private var trap: SignalTrap?

    /// The signal received, if any.
    var received: String? {
        lock.lock()
        defer { lock.unlock() }
        return name
    }

    func install(_ onSignal: @escaping @Sendable () -> Void) {
        trap = SignalTrap { [self] number in
            lock.lock()
            name = name ?? (number == SIGTERM ? "SIGTERM" : number == SIGINT ? "SIGINT" : "SIGHUP")
            lock.unlock()
            onSignal()
        }
    }
}
