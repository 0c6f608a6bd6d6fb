"""`Molecule`: a molecule file (pdb, sdf, ...) logged under `media/molecule/`."""

from __future__ import annotations

import io
import os
import pathlib
from collections.abc import Sequence
from typing import Any

from .base_types.media import BatchableMedia, Media, _tmp_path
from ._media_sink import as_sink

_RDKIT_MISSING = 'wandb.Molecule needs the rdkit-pypi package. To get it, run "pip install rdkit-pypi".'


def _rdkit() -> tuple[Any, Any]:
    try:
        import rdkit.Chem
        import rdkit.Chem.AllChem
    except ImportError as e:
        raise ImportError(_RDKIT_MISSING) from e
    return rdkit.Chem, rdkit.Chem.AllChem


class Molecule(BatchableMedia):
    """A molecule from a file path or an open file (then `file_type=` is required)."""

    SUPPORTED_TYPES = {"pdb", "pqr", "mmcif", "mcif", "cif", "sdf", "sd", "gro", "mol2", "mmtf"}
    SUPPORTED_RDKIT_TYPES = {"mol", "sdf"}
    _log_type = "molecule-file"

    def __init__(self, data_or_path: Any, caption: str | None = None, **kwargs: str) -> None:
        super().__init__(caption=caption)
        if hasattr(data_or_path, "name") and not isinstance(data_or_path, pathlib.Path):
            # An open file: wandb uses its name (and so reads the file by path).
            # (wandb also does this to a pathlib.Path, keeping only its basename;
            # TrackLab takes the whole path.)
            data_or_path = data_or_path.name
        if hasattr(data_or_path, "read"):
            if hasattr(data_or_path, "seek"):
                data_or_path.seek(0)
            text = data_or_path.read()
            extension = kwargs.pop("file_type", None)
            if extension is None:
                raise ValueError("Must pass file_type keyword argument when using io objects.")
            if extension not in Molecule.SUPPORTED_TYPES:
                raise ValueError(
                    "Molecule 3D only supports files of the type: " + ", ".join(Molecule.SUPPORTED_TYPES)
                )
            tmp = _tmp_path("." + extension)
            with open(tmp, "w") as f:
                f.write(text)
            self._set_file(tmp, is_tmp=True)
        elif isinstance(data_or_path, (str, pathlib.Path)):
            path = str(data_or_path)
            extension = os.path.splitext(path)[1][1:]
            if extension not in Molecule.SUPPORTED_TYPES:
                raise ValueError(
                    "Molecule only supports files of the type: " + ", ".join(Molecule.SUPPORTED_TYPES)
                )
            self._set_file(path, is_tmp=False)
        else:
            raise ValueError("Data must be file name or a file object")

    @classmethod
    def from_rdkit(
        cls,
        data_or_path: Any,
        caption: str | None = None,
        convert_to_3d_and_optimize: bool = True,
        mmff_optimize_molecule_max_iterations: int = 200,
    ) -> Molecule:
        """A molecule from an rdkit `Mol` or a .mol/.sdf file (needs rdkit)."""
        chem, all_chem = _rdkit()
        if isinstance(data_or_path, str):
            extension = pathlib.Path(data_or_path).suffix.split(".")[-1]
            if extension not in Molecule.SUPPORTED_RDKIT_TYPES:
                raise ValueError(
                    "Molecule.from_rdkit only supports files of the type: "
                    + ", ".join(Molecule.SUPPORTED_RDKIT_TYPES)
                )
            if extension == "sdf":
                with chem.SDMolSupplier(data_or_path) as supplier:
                    molecule = next(supplier)
            else:
                molecule = getattr(chem, f"MolFrom{extension.capitalize()}File")(data_or_path)
        elif isinstance(data_or_path, chem.rdchem.Mol):
            molecule = data_or_path
        else:
            raise TypeError("Data must be file name or an rdkit.Chem.rdchem.Mol object")
        if convert_to_3d_and_optimize:
            molecule = chem.AddHs(molecule)
            all_chem.EmbedMolecule(molecule)
            all_chem.MMFFOptimizeMolecule(molecule, maxIters=mmff_optimize_molecule_max_iterations)
        pdb_block = chem.rdmolfiles.MolToPDBBlock(molecule)
        return cls(io.StringIO(pdb_block), caption=caption, file_type="pdb")

    @classmethod
    def from_smiles(
        cls,
        data: str,
        caption: str | None = None,
        sanitize: bool = True,
        convert_to_3d_and_optimize: bool = True,
        mmff_optimize_molecule_max_iterations: int = 200,
    ) -> Molecule:
        """A molecule from a SMILES string (needs rdkit)."""
        chem, _ = _rdkit()
        molecule = chem.MolFromSmiles(data, sanitize=sanitize)
        if molecule is None:
            raise ValueError("Unable to parse the SMILES string.")
        return cls.from_rdkit(
            molecule,
            caption=caption,
            convert_to_3d_and_optimize=convert_to_3d_and_optimize,
            mmff_optimize_molecule_max_iterations=mmff_optimize_molecule_max_iterations,
        )

    @classmethod
    def get_media_subdir(cls) -> str:
        return os.path.join("media", "molecule")

    def to_json(self, run_or_artifact: Any) -> dict:
        json_dict = super().to_json(run_or_artifact)
        json_dict["_type"] = self._log_type
        return json_dict

    @classmethod
    def seq_to_json(cls, seq: Sequence[BatchableMedia], run: Any, key: str, step: int | str) -> dict:
        run = as_sink(run)  # a Run given where a sink is expected
        items = list(seq)
        jsons = [obj.to_json(run) for obj in items]
        subdir = cls.get_media_subdir().replace(os.sep, "/")
        for obj in jsons:
            if not obj["path"].startswith(subdir):
                raise ValueError(
                    f"Files in an array of Molecule's must be in the {cls.get_media_subdir()} directory, not {obj['path']}"
                )
        return {
            "_type": "molecule",
            "filenames": [obj["path"] for obj in jsons],
            "count": len(jsons),
            "captions": Media.captions(items),
        }
