#!/usr/bin/env python3
"""Helpers of scripts/release.sh that are easier in Python than in shell.

  release.py check BINARY PLATFORM
      Exit 1, saying why, unless BINARY is an executable of PLATFORM's
      format (ELF, Mach-O or PE) and processor architecture.

  release.py package STAGE NAME VERSION PROTOCOL EPOCH [PLATFORM BINARY]...
      Write one reproducible zip per PLATFORM BINARY pair into STAGE, then,
      over every zip of VERSION in STAGE: the manifest, SHA256SUMS, and the
      files of Terraform's provider network mirror protocol under
      STAGE/terraform.local/clerk/clerk/ (index.json, VERSION.json).

Only the standard library is used, so a fresh machine needs nothing else.
"""

import base64
import hashlib
import json
import os
import re
import shutil
import struct
import sys
import time
import zipfile

ADDRESS = "terraform.local/clerk/clerk"

# Terraform's platform names that this provider can be built for.
OSES = {"linux", "darwin", "freebsd", "openbsd", "windows"}
ARCHES = {"amd64", "arm64", "386", "arm"}
KNOWN = {f"{o}_{a}" for o in OSES for a in ARCHES} - {"darwin_386", "darwin_arm", "windows_arm"}

ELF_MACHINE = {"amd64": (62, 2), "386": (3, 1), "arm64": (183, 2), "arm": (40, 1)}
ELF_OSABI = {9: "freebsd", 12: "openbsd"}
MACHO_CPU = {"amd64": 0x01000007, "arm64": 0x0100000C}
PE_MACHINE = {"amd64": 0x8664, "386": 0x14C, "arm64": 0xAA64}


def describe_elf(head):
    big = head[5] == 2
    machine = struct.unpack(">H" if big else "<H", head[18:20])[0]
    arches = [a for a, (m, c) in ELF_MACHINE.items() if m == machine and c == head[4]]
    os_name = ELF_OSABI.get(head[7])
    return "ELF", arches[0] if arches else f"machine {machine}", os_name


def article(word):
    return "an" if word[0] in "AEFHILMNORSX" else "a"


def check(binary, platform):
    if platform not in KNOWN:
        return f"unknown platform {platform!r}; known: {' '.join(sorted(KNOWN))}"
    os_name, arch = platform.split("_")
    with open(binary, "rb") as f:
        head = f.read(4096)
    if head[:4] == b"\x7fELF" and len(head) >= 20:
        kind, found_arch, elf_os = describe_elf(head)
        wanted = os_name in ("linux", "freebsd", "openbsd")
        if elf_os and elf_os != os_name:
            return f"{binary} is an ELF executable for {elf_os}, not {os_name}"
    elif head[:4] in (b"\xcf\xfa\xed\xfe", b"\xce\xfa\xed\xfe") and len(head) >= 8:
        kind, wanted = "Mach-O", os_name == "darwin"
        cpu = struct.unpack("<I", head[4:8])[0]
        found_arch = next((a for a, c in MACHO_CPU.items() if c == cpu), f"cputype {cpu:#x}")
    elif head[:2] == b"MZ" and len(head) >= 0x40:
        offset = struct.unpack("<I", head[0x3C:0x40])[0]
        if head[offset : offset + 4] != b"PE\0\0":
            return f"{binary} is not a PE executable"
        kind, wanted = "PE", os_name == "windows"
        machine = struct.unpack("<H", head[offset + 4 : offset + 6])[0]
        found_arch = next((a for a, m in PE_MACHINE.items() if m == machine), f"machine {machine:#x}")
    else:
        return f"{binary} is not an executable (no ELF, Mach-O or PE header)"
    if not wanted:
        return f"{binary} is {article(kind)} {kind} executable, which does not run on {os_name}"
    if found_arch != arch:
        return f"{binary} is {article(kind)} {kind} executable for {found_arch}, not {arch} ({platform})"
    return None


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def h1(archive):
    """Terraform's "h1:" hash: of the unpacked files, not of the zip."""
    lines = []
    with zipfile.ZipFile(archive) as zf:
        for info in sorted(zf.infolist(), key=lambda i: i.filename):
            if info.is_dir():
                continue
            digest = hashlib.sha256()
            with zf.open(info) as f:
                for block in iter(lambda: f.read(1 << 20), b""):
                    digest.update(block)
            lines.append(f"{digest.hexdigest()}  {info.filename}\n")
    summary = hashlib.sha256("".join(lines).encode()).digest()
    return "h1:" + base64.b64encode(summary).decode()


def package(stage, name, version, protocol, epoch, pairs):
    # Zip timestamps are local DOS times from 1980 on; use UTC for stability.
    date_time = time.gmtime(max(int(epoch), 315532800))[:6]
    for platform, binary in zip(pairs[0::2], pairs[1::2]):
        entry = f"{name}_v{version}" + (".exe" if platform.startswith("windows_") else "")
        info = zipfile.ZipInfo(entry, date_time=date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.create_system = 3  # Unix, so the mode below is honoured
        info.external_attr = (0o100755 & 0xFFFF) << 16
        path = os.path.join(stage, f"{name}_{version}_{platform}.zip")
        with zipfile.ZipFile(path, "w") as zf, open(binary, "rb") as src:
            with zf.open(info, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)

    pattern = re.compile(re.escape(f"{name}_{version}_") + r"(.+)\.zip")
    zips = {}
    for filename in sorted(os.listdir(stage)):
        match = pattern.fullmatch(filename)
        if match:
            if match.group(1) not in KNOWN:
                sys.exit(f"release.py: {filename} is not for a known platform")
            zips[match.group(1)] = filename
    if not zips:
        sys.exit(f"release.py: no {name}_{version}_<platform>.zip to release")

    manifest = f"{name}_{version}_manifest.json"
    with open(os.path.join(stage, manifest), "w") as f:
        f.write('{"version":1,"metadata":{"protocol_versions":["%s"]}}\n' % protocol)

    sums = {filename: sha256(os.path.join(stage, filename)) for filename in [*zips.values(), manifest]}
    with open(os.path.join(stage, f"{name}_{version}_SHA256SUMS"), "w") as f:
        f.writelines(f"{sums[filename]}  {filename}\n" for filename in sorted(sums))

    # Network mirror protocol: <base>/<host>/<namespace>/<type>/index.json
    # and <version>.json; archive URLs are relative to the latter, so the
    # zips stay where they are, at the top of dist/.
    mirror = os.path.join(stage, *ADDRESS.split("/"))
    os.makedirs(mirror, exist_ok=True)
    archives = {
        platform: {
            "url": "../../../" + filename,
            "hashes": [h1(os.path.join(stage, filename)), "zh:" + sums[filename]],
        }
        for platform, filename in sorted(zips.items())
    }
    with open(os.path.join(mirror, f"{version}.json"), "w") as f:
        json.dump({"archives": archives}, f, indent=2, sort_keys=True)
        f.write("\n")
    versions = sorted(n[: -len(".json")] for n in os.listdir(mirror) if n.endswith(".json") and n != "index.json")
    with open(os.path.join(mirror, "index.json"), "w") as f:
        json.dump({"versions": {v: {} for v in versions}}, f, indent=2, sort_keys=True)
        f.write("\n")


def main(argv):
    if len(argv) == 3 and argv[0] == "check":
        problem = check(argv[1], argv[2])
        if problem:
            print(f"release.sh: {problem}", file=sys.stderr)
            return 1
        return 0
    if len(argv) >= 6 and argv[0] == "package" and len(argv[6:]) % 2 == 0:
        package(*argv[1:6], argv[6:])
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
