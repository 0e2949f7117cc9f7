"""The password policy and the lock-out rule for failed logins (等保 2.0 level 2: 身份鉴别, 登录失败处理).

Policy: at least 10 characters, at least three of the four kinds (upper-case letters, lower-case letters, digits,
other characters such as symbols or Chinese characters), and not containing the account name. Three of four kinds
(rather than all four) keeps passwords typeable for people who rarely use the Shift key, while ten characters
keeps them long. Lock-out: after ``LOCK_AFTER_FAILURES`` failures in a row the account is locked for a delay that
doubles with each further failure (1, 2, 4 … minutes), capped at ``MAX_LOCK_MINUTES``.
"""

from datetime import timedelta

from zzdesk.domain.errors import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 128  # bounds the work of hashing a pasted novel
MIN_KINDS = 3
LOCK_AFTER_FAILURES = 5
FIRST_LOCK_MINUTES = 1
MAX_LOCK_MINUTES = 60

_KIND_LABELS = ("大写字母", "小写字母", "数字", "符号")


def _kinds(password: str) -> set[str]:
    kinds = set()
    for char in password:
        if char.isascii() and char.isupper():
            kinds.add("大写字母")
        elif char.isascii() and char.islower():
            kinds.add("小写字母")
        elif char.isascii() and char.isdigit():
            kinds.add("数字")
        else:
            kinds.add("符号")
    return kinds


def password_problems(password: str, account_name: str = "") -> list[str]:
    """Everything wrong with a new password, each as a Chinese phrase saying what to fix; empty when it is fine."""
    problems: list[str] = []
    if len(password) < MIN_LENGTH:
        problems.append(f"长度至少 {MIN_LENGTH} 位（现为 {len(password)} 位）")
    if len(password) > MAX_LENGTH:
        problems.append(f"长度不能超过 {MAX_LENGTH} 位")
    if password != password.strip():
        problems.append("首尾不能有空格")
    kinds = _kinds(password)
    if len(kinds) < MIN_KINDS:
        missing = "、".join(label for label in _KIND_LABELS if label not in kinds)
        problems.append(f"须包含大写字母、小写字母、数字、符号中的至少 {MIN_KINDS} 种（还可加入：{missing}）")
    name = account_name.strip().casefold()
    if name and (password.casefold() == name or (len(name) >= 3 and name in password.casefold())):
        problems.append("不能包含账号名")
    return problems


def check_password(password: str, account_name: str = "") -> None:
    """Raise a ValidationError listing what to fix, so the user can correct everything at once."""
    problems = password_problems(password, account_name)
    if problems:
        raise ValidationError("密码不符合要求：" + "；".join(problems))


def lock_delay(failures: int) -> timedelta | None:
    """How long an account stays locked after ``failures`` failed logins in a row; None while below the limit."""
    if failures < LOCK_AFTER_FAILURES:
        return None
    doublings = min(failures - LOCK_AFTER_FAILURES, 16)
    return timedelta(minutes=min(FIRST_LOCK_MINUTES * 2 ** doublings, MAX_LOCK_MINUTES))


def wait_text(delay: timedelta) -> str:
    """「3 分钟」, rounding any started minute up."""
    minutes = max(1, -(-int(delay.total_seconds()) // 60))
    return f"{minutes} 分钟"
