import Foundation
import PipeSpec

/// What a stage needs besides its parameters: external inputs (part of its key) and its core count.
public struct StagePlan: Sendable {
    /// Files and folders outside the store that the stage reads; their content is part of the key.
    public var externalInputs: [URL]
    /// How many cores the stage keeps busy, so the scheduler does not oversubscribe them.
    public var cores: Int
    /// The parameters the stage runs with, defaults filled in, when the kind decodes them; the key is made
    /// of these instead of the `with` text, so spelling out a default does not rerun the stage.
    public var parameters: JSONValue?

    public init(externalInputs: [URL] = [], cores: Int = 1, parameters: JSONValue? = nil) {
        self.externalInputs = externalInputs
        self.cores = cores
        self.parameters = parameters
    }

    /// A plan that keeps every core busy (decoding, hashing or rendering in parallel).
    public static var allCores: StagePlan { StagePlan(cores: ProcessInfo.processInfo.activeProcessorCount) }
}
