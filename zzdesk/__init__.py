"""zzdesk: the supervision office's ledger of plan measures, progress reports and bulletins."""

__version__ = "0.1.0"
APP_NAME = "zzdesk"
APP_AUTHOR = "zzdesk"
