import ArgumentParser

/// Prints pipe's version.
struct Version: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print pipe's version.")

    func run() {
        print("pipe \(Pipe.version)")
    }
}
