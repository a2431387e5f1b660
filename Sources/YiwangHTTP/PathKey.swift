import Foundation
import YiwangCore

/// The record key in a route's path (`/v1/records/{dataset}/{key}`), percent-decoded and checked.
public enum PathKey {
    /// Decodes the percent-escapes of `raw` and validates the key. Escapes that do not decode to UTF-8 are
    /// refused (400 naming `key`), never kept as typed: `%FF` taken literally would be another key's bytes.
    public static func decode(_ raw: String) throws(YiwangError) -> String {
        guard let key = raw.removingPercentEncoding else {
            throw .invalidField("key", "key is not valid percent-encoded UTF-8")
        }
        try Validation.key(key)
        return key
    }
}
