import CJPEG
import CPNG

/// The versions of the C image libraries pipe is linked against, for `pipe version` and run provenance.
public enum ImagingLibraries {
    /// libpng's version string as the library itself reports it.
    public static var png: String { String(cString: png_get_libpng_ver(nil)) }

    /// The libjpeg API version the headers declare (e.g. 62 for libjpeg-turbo's default build).
    public static var jpegAPI: Int { Int(JPEG_LIB_VERSION) }
}
