import Foundation

/// The TurboJPEG functions of `libturbojpeg.so.0`, loaded at run time: TurboJPEG catches libjpeg's errors in C
/// (its own setjmp) and returns -1, so no longjmp ever crosses a Swift frame.
final class TurboJPEG: @unchecked Sendable {
    typealias Handle = UnsafeMutableRawPointer
    typealias InitFn = @convention(c) () -> Handle?
    typealias DestroyFn = @convention(c) (Handle?) -> Int32
    typealias ErrorStringFn = @convention(c) (Handle?) -> UnsafeMutablePointer<CChar>?
    typealias ErrorCodeFn = @convention(c) (Handle?) -> Int32
    typealias HeaderFn = @convention(c) (Handle?, UnsafePointer<UInt8>?, UInt, UnsafeMutablePointer<Int32>?,
                                         UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int32>?,
                                         UnsafeMutablePointer<Int32>?) -> Int32
    typealias DecompressFn = @convention(c) (Handle?, UnsafePointer<UInt8>?, UInt, UnsafeMutablePointer<UInt8>?,
                                             Int32, Int32, Int32, Int32, Int32) -> Int32
    typealias CompressFn = @convention(c) (Handle?, UnsafePointer<UInt8>?, Int32, Int32, Int32, Int32,
                                           UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?, UnsafeMutablePointer<UInt>?,
                                           Int32, Int32, Int32) -> Int32
    typealias FreeFn = @convention(c) (UnsafeMutablePointer<UInt8>?) -> Void

    // Constants from turbojpeg.h (TurboJPEG 2.x ABI).
    static let pixelRGB: Int32 = 0, pixelGray: Int32 = 6, pixelCMYK: Int32 = 11
    static let colourspaceCMYK: Int32 = 3, colourspaceYCCK: Int32 = 4
    static let subsample444: Int32 = 0, subsampleGray: Int32 = 3
    static let flagAccurateDCT: Int32 = 4096
    static let errorFatal: Int32 = 1

    let initDecompress: InitFn, initCompress: InitFn, destroy: DestroyFn
    let errorString: ErrorStringFn, errorCode: ErrorCodeFn
    let header: HeaderFn, decompress: DecompressFn, compress: CompressFn, free: FreeFn

    /// The loaded library, or the error saying which package to install.
    static let shared: Result<TurboJPEG, ImagingError> = load()

    private init(_ lib: UnsafeMutableRawPointer) throws(ImagingError) {
        func symbol<T>(_ name: String, _ type: T.Type) throws(ImagingError) -> T {
            guard let pointer = dlsym(lib, name) else {
                throw .libraryMissing(library: "libturbojpeg.so.0 (symbol \(name))", package: "libturbojpeg0")
            }
            return unsafeBitCast(pointer, to: type)
        }
        initDecompress = try symbol("tjInitDecompress", InitFn.self)
        initCompress = try symbol("tjInitCompress", InitFn.self)
        destroy = try symbol("tjDestroy", DestroyFn.self)
        errorString = try symbol("tjGetErrorStr2", ErrorStringFn.self)
        errorCode = try symbol("tjGetErrorCode", ErrorCodeFn.self)
        header = try symbol("tjDecompressHeader3", HeaderFn.self)
        decompress = try symbol("tjDecompress2", DecompressFn.self)
        compress = try symbol("tjCompress2", CompressFn.self)
        free = try symbol("tjFree", FreeFn.self)
    }

    private static func load() -> Result<TurboJPEG, ImagingError> {
        for name in ["libturbojpeg.so.0", "libturbojpeg.so", "libturbojpeg.dylib", "libturbojpeg.0.dylib"] {
            if let lib = dlopen(name, RTLD_NOW | RTLD_LOCAL) {
                do { return .success(try TurboJPEG(lib)) } catch { return .failure(error) }
            }
        }
        return .failure(.libraryMissing(library: "libturbojpeg.so.0 (TurboJPEG)", package: "libturbojpeg0"))
    }

    /// The last error on `handle` as text.
    func message(_ handle: Handle?) -> String {
        errorString(handle).map { String(cString: $0) } ?? "unknown TurboJPEG error"
    }
}
