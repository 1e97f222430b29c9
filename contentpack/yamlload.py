"""YAML loading that remembers where things are: every mapping and list knows the line of each of its
entries, and a key written twice is an error rather than silently the second value."""

import yaml


class LineDict(dict):
    line: int = 0
    lines: dict

    def line_of(self, key) -> int:
        return self.lines.get(key, self.line)


class LineList(list):
    line: int = 0
    lines: list


class YamlProblem(Exception):
    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line


class _Loader(yaml.SafeLoader):
    def __init__(self, stream, line_offset: int):
        super().__init__(stream)
        self.line_offset = line_offset
        self.duplicates: list[tuple[int, str]] = []


def _construct_mapping(loader: _Loader, node, deep=False):
    loader.flatten_mapping(node)
    mapping = LineDict()
    mapping.line = node.start_mark.line + 1 + loader.line_offset
    mapping.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1 + loader.line_offset
        if key in mapping:
            loader.duplicates.append((line, str(key)))
        mapping[key] = loader.construct_object(value_node, deep=True)
        mapping.lines[key] = line
    return mapping


def _construct_sequence(loader: _Loader, node, deep=False):
    items = LineList(loader.construct_object(child, deep=True) for child in node.value)
    items.line = node.start_mark.line + 1 + loader.line_offset
    items.lines = [child.start_mark.line + 1 + loader.line_offset for child in node.value]
    return items


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def load(text: str, line_offset: int = 0) -> tuple[object, list[tuple[int, str]]]:
    """Returns (data, duplicate keys as (line, key)); raises YamlProblem for text that is not YAML."""
    loader = None
    try:
        loader = _Loader(text, line_offset)  # the reader checks the characters here already
        return loader.get_single_data(), loader.duplicates
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = (mark.line + 1 if mark else 1) + line_offset
        raise YamlProblem(line, f"YAML として読めません: {error.problem or error}") from error
    except yaml.reader.ReaderError as error:  # a character YAML does not allow (control characters, …)
        line = text.count("\n", 0, error.position) + 1 + line_offset
        raise YamlProblem(line, f"YAML に使えない文字があります(#x{error.character:04x})") from error
    finally:
        if loader is not None:
            loader.dispose()


def dump(data) -> str:
    """Canonical YAML for export: keys in the given order, Japanese as is, long lines kept whole."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=10_000, default_flow_style=False)
