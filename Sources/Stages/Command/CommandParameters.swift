/// The `with` block of `command`.
public struct CommandParameters: StageParameterSet {
    /// The shell command, run in the pipeline file's folder.
    public var run: String
    /// Files and folders it reads outside the store, relative to the pipeline file; part of the key.
    public var deps: [String] = []
    /// What it must leave in `$PIPE_OUT`.
    public var outs: [String] = []
    public var cores = 1

    public init(reading r: ParameterReader) throws {
        run = try r.required("run")
        deps = try r.value("deps", default: deps)
        outs = try r.value("outs", default: outs)
        cores = try r.value("cores", default: cores)
    }
}
