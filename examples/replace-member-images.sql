-- The seed's deadlock storm as a script: replace every image and feature of a member, deleting
-- first. Every worker walks group 1's members in the same order, as the built-in's --order same.
\set member next_member_id(1)
BEGIN;
DELETE f FROM {feature} f JOIN {image} i ON i.id = f.image_id WHERE i.member_id = :member;
DELETE FROM {image} WHERE member_id = :member;
\repeat :images
  \set file file_id()
  \set text description()
  \set vector feature()
  INSERT INTO {image} (member_id, file_id, description) VALUES (:member, :file, :text);
  INSERT INTO {feature} (image_id, feature) VALUES (:last_insert_id, :vector);
\end
COMMIT;

-- After the run, as the built-in verifies: one complete set per member, nothing orphaned.
\check every member of group 1 has exactly :images images
SELECT COUNT(*) FROM {member} m WHERE m.group_id = 1 AND (SELECT COUNT(*) FROM {image} i WHERE i.member_id = m.id) <> :images;
\check every image of group 1 has its feature
SELECT COUNT(*) FROM {member} m JOIN {image} i ON i.member_id = m.id LEFT JOIN {feature} f ON f.image_id = i.id WHERE m.group_id = 1 AND f.image_id IS NULL;
\check no orphan features
SELECT COUNT(*) FROM {feature} f LEFT JOIN {image} i ON i.id = f.image_id WHERE i.id IS NULL;
