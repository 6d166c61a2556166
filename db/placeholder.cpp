// db/ is filled by the trace/db work; this keeps the library non-empty until then.
namespace burst::db {
int placeholder_symbol() { return 0; }
}  // namespace burst::db
