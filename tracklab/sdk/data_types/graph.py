"""`Graph`, `Node`, `Edge`: a model graph logged as `media/graph/*.graph.json`.

`watch(model, log_graph=True)` builds one of these from a torch module; keras
models go through `Graph.from_keras`.
"""

from __future__ import annotations

import os
import pprint
from typing import Any

from ._json import dumps_safer
from .base_types.media import Media, _arrays_to_lists, _tmp_path
from .base_types.wb_value import WBValue


def _attr(name: str, default: Any = None, convert: Any = None) -> property:
    """A property stored in `self._attributes[name]` (what the JSON holds)."""

    def get(self: Any) -> Any:
        return self._attributes.get(name, default)

    def set_(self: Any, val: Any) -> None:
        self._attributes[name] = convert(val) if convert else val

    return property(get, set_)


class Edge(WBValue):
    """A directed edge between two nodes; serialized as `[from_id, to_id]`."""

    def __init__(self, from_node: Node, to_node: Node) -> None:
        super().__init__()
        self._attributes: dict[str, Any] = {}
        self.from_node = from_node
        self.to_node = to_node

    name = _attr("name")
    from_node = _attr("from_node")
    to_node = _attr("to_node")

    def to_json(self, run_or_artifact: Any = None) -> list:
        return [self.from_node.id, self.to_node.id]

    def __repr__(self) -> str:
        shown = {k: v for k, v in self._attributes.items() if k not in ("from_node", "to_node")}
        shown.update(from_id=self.from_node.id, to_id=self.to_node.id)
        return str(shown)


class Node(WBValue):
    """A graph node (a layer); its attributes are what the JSON holds."""

    def __init__(
        self,
        id: Any = None,
        name: str | None = None,
        class_name: str | None = None,
        size: Any = None,
        parameters: Any = None,
        output_shape: Any = None,
        is_output: bool | None = None,
        num_parameters: int | None = None,
        node: Node | None = None,
    ) -> None:
        super().__init__()
        self._attributes: dict[str, Any] = {"name": None}
        self.in_edges: dict = {}
        self.out_edges: dict = {}
        self.obj: Any = None
        if node is not None:
            self._attributes.update(node._attributes)
            del self._attributes["id"]
            self.obj = node.obj
        for attr, val in (
            ("id", id), ("name", name), ("class_name", class_name), ("size", size),
            ("parameters", parameters), ("output_shape", output_shape),
            ("is_output", is_output), ("num_parameters", num_parameters),
        ):
            if val is not None:
                setattr(self, attr, val)

    id = _attr("id")
    name = _attr("name")
    class_name = _attr("class_name")
    functions = _attr("functions", [])
    parameters = _attr("parameters", [])
    size = _attr("size", convert=tuple)
    output_shape = _attr("output_shape")
    is_output = _attr("is_output")
    num_parameters = _attr("num_parameters")
    child_parameters = _attr("child_parameters")
    is_constant = _attr("is_constant")

    def to_json(self, run_or_artifact: Any = None) -> dict:
        return self._attributes

    def __repr__(self) -> str:
        return repr(self._attributes)

    @classmethod
    def from_keras(cls, layer: Any) -> Node:
        node = cls()
        try:
            output_shape = layer.output_shape
        except AttributeError:
            output_shape = ["multiple"]
        node.id = layer.name
        node.name = layer.name
        node.class_name = layer.__class__.__name__
        node.output_shape = output_shape
        node.num_parameters = layer.count_params()
        return node


class Graph(Media):
    """A model graph: nodes and edges, written as JSON when logged."""

    _log_type = "graph-file"

    def __init__(self, format: str = "keras") -> None:
        super().__init__()
        self.format = format
        self.nodes: list[Node] = []
        self.nodes_by_id: dict[Any, Node] = {}
        self.edges: list[Edge] = []
        self.loaded = False
        self.criterion: Any = None
        self.criterion_passed = False
        self.root: Any = None

    def _to_graph_json(self, run: Any = None) -> dict:
        return {
            "format": self.format,
            "nodes": [node.to_json() for node in self.nodes],
            "edges": [edge.to_json() for edge in self.edges],
        }

    def bind_to_run(self, *args: Any, **kwargs: Any) -> None:
        path = _tmp_path(".graph.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(dumps_safer(_arrays_to_lists(self._to_graph_json())))
        self._set_file(path, is_tmp=True, extension=".graph.json")
        if self.is_bound():
            return
        super().bind_to_run(*args, **kwargs)

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "graph")

    def to_json(self, run: Any) -> dict:
        json_dict = super().to_json(run)
        json_dict["_type"] = self._log_type
        return json_dict

    def __getitem__(self, nid: Any) -> Node:
        return self.nodes_by_id[nid]

    def pprint(self) -> None:
        for edge in self.edges:
            pprint.pprint(edge._attributes)
        for node in self.nodes:
            pprint.pprint(node._attributes)

    def add_node(self, node: Node | None = None, **node_kwargs: Any) -> Node:
        if node is None:
            node = Node(**node_kwargs)
        elif node_kwargs:
            raise ValueError(
                f"Only pass one of either node ({node}) or other keyword arguments ({node_kwargs})"
            )
        self.nodes.append(node)
        self.nodes_by_id[node.id] = node
        return node

    def add_edge(self, from_node: Node, to_node: Node) -> Edge:
        edge = Edge(from_node, to_node)
        self.edges.append(edge)
        return edge

    @classmethod
    def from_keras(cls, model: Any) -> Graph:
        """A graph of a keras model's layers (sequential or functional)."""
        graph = cls()
        relevant = None
        if not cls._is_sequential(model):
            relevant = [n for nodes in model._nodes_by_depth.values() for n in nodes]
        for layer in model.layers:
            node = Node.from_keras(layer)
            for in_node in getattr(layer, "_inbound_nodes", []):
                if relevant and in_node not in relevant:
                    continue
                inbound = in_node.inbound_layers
                for in_layer in inbound if isinstance(inbound, (list, tuple)) else [inbound]:
                    keras_node = Node.from_keras(in_layer)
                    if keras_node.id not in graph.nodes_by_id:
                        graph.add_node(keras_node)
                    graph.add_edge(graph.nodes_by_id[keras_node.id], node)
            graph.add_node(node)
        return graph

    @classmethod
    def _is_sequential(cls, model: Any) -> bool:
        if model.__class__.__name__ == "Sequential" or not getattr(model, "_is_graph_network", False):
            return True
        seen = []
        for nodes in model._nodes_by_depth.values():
            inbound = nodes[0].inbound_layers
            if not hasattr(inbound, "__len__"):
                inbound = [inbound]
            if len(nodes) > 1 or (len(nodes) == 1 and len(inbound) > 1):
                return False
            seen += nodes
        for layer in model.layers:
            hits = sum(1 for n in getattr(layer, "_inbound_nodes", []) if n in seen)
            if hits > 1:
                return False
        return True
