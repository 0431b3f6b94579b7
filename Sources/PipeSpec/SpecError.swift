/// Errors of the spec layer that are not about a line of a pipeline file.
public enum SpecError: Error, CustomStringConvertible {
    case schemasNotFound(searched: [String])
    case schemasVariableWrong(path: String)
    case schemaUnusable(path: String, reason: String)
    case unknownKind(String, known: [String])

    public var description: String {
        switch self {
        case .schemasNotFound(let searched):
            "cannot find pipe's JSON Schemas (looked for schemas/pipeline.schema.json in \(searched.joined(separator: ", "))); set PIPE_SCHEMAS to the `schemas` folder of your pipe checkout"
        case .schemasVariableWrong(let path):
            "PIPE_SCHEMAS is \(path), which has no pipeline.schema.json; point it at the `schemas` folder of your pipe checkout, or unset it"
        case .schemaUnusable(let path, let reason):
            "schema \(path) cannot be used: \(reason)"
        case .unknownKind(let kind, let known):
            "no schema for stage kind `\(kind)`; known kinds: \(known.joined(separator: ", "))"
        }
    }
}
