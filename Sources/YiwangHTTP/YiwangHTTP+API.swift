/// The API's JSON types come with the HTTP plumbing: every server and client that speaks HTTP reads and writes
/// the same ones (`YiwangAPI`), whichever of the two modules it imports.
@_exported import YiwangAPI
