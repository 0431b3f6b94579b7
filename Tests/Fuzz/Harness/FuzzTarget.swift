import Datasets
import Foundation
import Imaging
import Models
import PipeSpec
import Stages

/// One parser of a file pipe reads but did not write, fed arbitrary bytes: it may throw, never crash or hang.
enum FuzzTarget: String, CaseIterable {
    case pipeline, schema, png, jpeg, dicom, keras, safetensors, pth
    case breakhisName = "breakhis-name"
    case cbisCSV = "cbis-csv"

    /// Parses `data` as this target's input and drops the result; every error is an expected outcome.
    func run(_ data: Data) {
        switch self {
        case .pipeline:
            let path = Scratch.write(data, as: "pipeline.yaml")
            _ = PipelineCheck.load(path: path, catalog: Self.catalog)
        case .schema:
            // A JSON array [schema, instance]: the schema is compiled, then the instance validated.
            guard case .array(let pair)? = try? JSONValue.parse(data), pair.count == 2,
                  let schema = try? SchemaRegistry().load(pair[0], baseURI: "https://fuzz.invalid/schema.json") else { return }
            _ = schema.validate(pair[1])
        case .png:
            _ = try? PNGCodec.decode(data, file: "fuzz.png")
        case .jpeg:
            _ = try? JPEGCodec.decode(data, file: "fuzz.jpg")
        case .dicom:
            _ = try? DICOMImage(DICOMFile(data: data, file: "fuzz.dcm"))
        case .keras:
            _ = try? WeightLoader.inspect(path: Scratch.write(data, as: "weights.h5"))
        case .safetensors:
            _ = try? WeightLoader.inspect(path: Scratch.write(data, as: "weights.safetensors"))
        case .pth:
            _ = try? WeightLoader.inspect(path: Scratch.write(data, as: "weights.pth"))
        case .breakhisName:
            _ = BreakHisName(fileName: String(decoding: data, as: UTF8.self))
        case .cbisCSV:
            let url = URL(fileURLWithPath: Scratch.write(data, as: "cases.csv"))
            _ = try? CBISDDSMCase.read(url, relativePath: "cases.csv", abnormality: "mass", split: "train")
        }
    }

    private static let catalog: SchemaCatalog = {
        guard let catalog = try? SchemaCatalog.shipped() else {
            FileHandle.standardError.write(Data("pipe-fuzz: cannot find schemas/; set PIPE_SCHEMAS\n".utf8))
            exit(2)
        }
        return catalog
    }()
}

/// One scratch folder per process for the parsers that read a path.
enum Scratch {
    private static let folder: URL = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let url = URL(fileURLWithPath: base).appendingPathComponent("pipe-fuzz-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: "/dev/shm").appendingPathComponent("pipe-fuzz-\(getpid())").path) }
        return url
    }()

    /// Writes `data` to `name` in the scratch folder and returns its path.
    static func write(_ data: Data, as name: String) -> String {
        let path = folder.appendingPathComponent(name).path
        FileManager.default.createFile(atPath: path, contents: data)
        return path
    }
}
