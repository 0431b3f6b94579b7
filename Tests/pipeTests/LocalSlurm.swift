import Foundation
import XCTest

/// The one-node Slurm cluster of `Tests/Support/local-slurm.sh`, started once for the tests that submit jobs.
enum LocalSlurm {
    /// `SLURM_CONF` of the running cluster, or why there is none.
    private static let started: Result<String, Error> = Result {
        let script = PipeBinary.packageRoot.appendingPathComponent("Tests/Support/local-slurm.sh").path
        let output = try run("/bin/bash", [script, "start"])
        guard output.status == 0 else {
            throw XCTSkip("""
                SKIPPED: the Slurm tests need a local cluster, and Tests/Support/local-slurm.sh could not start one \
                (exit \(output.status)): \(output.stderr.trimmingCharacters(in: .whitespacesAndNewlines)). \
                `make test` installs slurm-wlm and munge; run it as root.
                """)
        }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The environment for `pipe` and Slurm commands, or a loud skip.
    static func environment() throws -> [String: String] {
        do {
            return ["SLURM_CONF": try started.get()]
        } catch let skip as XCTSkip {
            FileHandle.standardError.write(Data("\(skip.message ?? "SKIPPED: no local Slurm cluster")\n".utf8))
            throw skip
        }
    }

    /// Runs a Slurm command against the test cluster.
    static func command(_ name: String, _ arguments: [String]) throws -> PipeBinary.Output {
        var environment = ProcessInfo.processInfo.environment
        environment["SLURM_CONF"] = try started.get()
        return try run("/usr/bin/env", [name] + arguments, environment: environment)
    }

    /// The ids of the queued or running jobs named `name`.
    static func jobs(named name: String) throws -> [String] {
        try command("squeue", ["-h", "-n", name, "-o", "%i"]).stdout.split(separator: "\n").map(String.init)
    }

    static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> PipeBinary.Output {
        try ChildProcess.run(executable, arguments, environment: environment, limit: 120)
    }
}
