"""Sentences with the new label DISEASE, for fine-tuning.

DISEASE spans are hand-annotated; the other entities are what the original en_core_web_sm
predicts for the sentence (where such a prediction overlaps a disease, the disease wins).
"""

TRAINING_DATA = [
    (
        "Dr. Emily Hart treated 40 patients with influenza at a clinic in Boston last January.",
        {
            "entities": [
                (4, 14, "PERSON"),
                (23, 25, "CARDINAL"),
                (40, 49, "DISEASE"),
                (65, 71, "GPE"),
                (72, 84, "DATE"),
            ]
        },
    ),
    (
        "My father was diagnosed with type 2 diabetes when he was 55.",
        {"entities": [(29, 44, "DISEASE"), (57, 59, "DATE")]},
    ),
    (
        "The World Health Organization reported 200,000 new cases of cholera in Yemen in 2019.",
        {
            "entities": [
                (0, 29, "ORG"),
                (39, 46, "CARDINAL"),
                (60, 67, "DISEASE"),
                (71, 76, "GPE"),
                (80, 84, "DATE"),
            ]
        },
    ),
    (
        "Her grandmother has lived with Alzheimer's disease for six years.",
        {"entities": [(31, 50, "DISEASE"), (55, 64, "DATE")]},
    ),
    (
        "Malaria still kills more than 600,000 people every year, mostly in Africa.",
        {"entities": [(0, 7, "DISEASE"), (20, 37, "CARDINAL"), (67, 73, "LOC")]},
    ),
    (
        "Tom stayed home from school on Monday because he had chickenpox.",
        {"entities": [(0, 3, "PERSON"), (31, 37, "DATE"), (53, 63, "DISEASE")]},
    ),
    (
        "The clinic in Lagos offers free tests for tuberculosis and HIV.",
        {"entities": [(14, 19, "GPE"), (42, 54, "DISEASE"), (59, 62, "DISEASE")]},
    ),
    (
        "Researchers at Johns Hopkins University are testing a new drug for Parkinson's disease.",
        {"entities": [(15, 39, "ORG"), (67, 86, "DISEASE")]},
    ),
    (
        "About 10 percent of adults in Mexico have diabetes.",
        {"entities": [(0, 16, "PERCENT"), (30, 36, "GPE"), (42, 50, "DISEASE")]},
    ),
    (
        "The outbreak of measles in Samoa killed 83 people in 2019.",
        {"entities": [(16, 23, "DISEASE"), (27, 32, "ORG"), (40, 42, "CARDINAL"), (53, 57, "DATE")]},
    ),
    (
        "Sarah developed asthma after moving to Los Angeles.",
        {"entities": [(0, 5, "PERSON"), (16, 22, "DISEASE"), (39, 50, "GPE")]},
    ),
    (
        "Lung cancer is the leading cause of cancer deaths in the United States.",
        {"entities": [(0, 11, "DISEASE"), (53, 70, "GPE")]},
    ),
    (
        "Pfizer and Valneva are testing a vaccine against Lyme disease.",
        {"entities": [(11, 18, "PERSON"), (49, 61, "DISEASE")]},
    ),
    (
        "In 1918 the Spanish flu spread around the world within months.",
        {"entities": [(3, 7, "DATE"), (12, 23, "DISEASE"), (55, 61, "DATE")]},
    ),
    (
        "Cases of dengue fever doubled in Brazil this summer.",
        {"entities": [(9, 21, "DISEASE"), (33, 39, "GPE"), (40, 51, "DATE")]},
    ),
    (
        "My uncle Frank has suffered from gout for twenty years.",
        {"entities": [(9, 14, "PERSON"), (33, 37, "DISEASE"), (42, 54, "DATE")]},
    ),
    (
        "The hospital in Manchester opened a new ward for children with leukemia.",
        {"entities": [(16, 26, "GPE"), (63, 71, "DISEASE")]},
    ),
    ("Hepatitis B can be prevented with a vaccine given at birth.", {"entities": [(0, 11, "DISEASE")]}),
    (
        "Doctors in India reported a rise in typhoid cases after the floods.",
        {"entities": [(11, 16, "GPE"), (36, 43, "DISEASE")]},
    ),
    (
        "The singer Selena Gomez has spoken openly about her lupus.",
        {"entities": [(11, 23, "PERSON"), (52, 57, "DISEASE")]},
    ),
    (
        "Michael J. Fox was diagnosed with Parkinson's disease in 1991.",
        {"entities": [(0, 14, "PERSON"), (34, 53, "DISEASE"), (57, 61, "DATE")]},
    ),
    ("Around 3 million Americans live with epilepsy.", {"entities": [(17, 26, "NORP"), (37, 45, "DISEASE")]}),
    ("Anna's son was born with cystic fibrosis.", {"entities": [(0, 4, "PERSON"), (25, 40, "DISEASE")]}),
    (
        "Polio was declared eradicated in the Americas in 1994.",
        {"entities": [(0, 5, "DISEASE"), (37, 45, "LOC"), (49, 53, "DATE")]},
    ),
    ("The nurse said my rash was probably eczema.", {"entities": [(36, 42, "DISEASE")]}),
    (
        "Ebola killed more than 11,000 people in West Africa between 2014 and 2016.",
        {"entities": [(0, 5, "DISEASE"), (13, 29, "CARDINAL"), (40, 51, "GPE"), (52, 73, "DATE")]},
    ),
    (
        "My sister caught strep throat from a classmate last week.",
        {"entities": [(17, 29, "DISEASE"), (47, 56, "DATE")]},
    ),
    (
        "Stephen Hawking lived with ALS for more than fifty years.",
        {"entities": [(0, 15, "PERSON"), (27, 30, "DISEASE"), (35, 56, "DATE")]},
    ),
    (
        "Heart disease is the most common cause of death in Europe.",
        {"entities": [(0, 13, "DISEASE"), (51, 57, "LOC")]},
    ),
    ("The clinic tests every new patient for hypertension.", {"entities": [(39, 51, "DISEASE")]}),
    ("James missed the final because of pneumonia.", {"entities": [(0, 5, "PERSON"), (34, 43, "DISEASE")]}),
    (
        "The Gates Foundation gave $50 million to fight malaria in Zambia.",
        {"entities": [(0, 20, "ORG"), (26, 37, "MONEY"), (47, 54, "DISEASE"), (58, 64, "GPE")]},
    ),
    (
        "Breast cancer affects about one in eight women in Britain.",
        {"entities": [(0, 13, "DISEASE"), (22, 31, "CARDINAL"), (35, 40, "CARDINAL"), (50, 57, "GPE")]},
    ),
    (
        "The doctor told Maria that her tiredness came from anemia.",
        {"entities": [(16, 21, "PERSON"), (51, 57, "DISEASE")]},
    ),
    (
        "Children in Nigeria are vaccinated against yellow fever.",
        {"entities": [(12, 19, "GPE"), (43, 55, "DISEASE")]},
    ),
    (
        "Her husband has had multiple sclerosis since 2008.",
        {"entities": [(20, 38, "DISEASE"), (45, 49, "DATE")]},
    ),
    (
        "Cataracts are the main cause of blindness in older adults in Asia.",
        {"entities": [(0, 9, "DISEASE"), (61, 65, "LOC")]},
    ),
    (
        "A cholera outbreak hit Haiti in October 2010.",
        {"entities": [(2, 9, "DISEASE"), (23, 28, "GPE"), (32, 44, "DATE")]},
    ),
    (
        "Venus Williams was diagnosed with Sjogren's syndrome in 2011.",
        {"entities": [(0, 14, "PERSON"), (34, 52, "DISEASE"), (56, 60, "DATE")]},
    ),
    (
        "Migraine keeps Laura away from work two days a month.",
        {"entities": [(0, 8, "DISEASE"), (15, 20, "PERSON"), (36, 44, "DATE")]},
    ),
    (
        "The Centers for Disease Control and Prevention warned about a rise in whooping cough.",
        {"entities": [(0, 46, "ORG"), (70, 84, "DISEASE")]},
    ),
    ("Osteoporosis makes bones thin and easy to break.", {"entities": [(0, 12, "DISEASE")]}),
    (
        "Scientists in Oxford developed a vaccine for COVID-19 in 2020.",
        {"entities": [(14, 20, "ORG"), (45, 53, "DISEASE"), (57, 61, "DATE")]},
    ),
    ("Half of the patients in the ward had sepsis.", {"entities": [(0, 4, "CARDINAL"), (37, 43, "DISEASE")]}),
    (
        "Doctors in Sydney found that Greg had skin cancer.",
        {"entities": [(11, 17, "GPE"), (29, 33, "PERSON"), (38, 49, "DISEASE")]},
    ),
    (
        "Celiac disease means David cannot eat bread made with wheat.",
        {"entities": [(0, 14, "DISEASE"), (21, 26, "PERSON")]},
    ),
    ("My grandfather died of a stroke in 1997.", {"entities": [(25, 31, "DISEASE"), (35, 39, "DATE")]}),
    (
        "Cases of mumps rose at several universities in Iowa.",
        {"entities": [(9, 14, "DISEASE"), (47, 51, "GPE")]},
    ),
    (
        "The new treatment cut deaths from sickle cell disease by a third.",
        {"entities": [(34, 53, "DISEASE"), (59, 64, "ORDINAL")]},
    ),
    (
        "About one in five teenagers in the survey showed signs of depression.",
        {"entities": [(0, 9, "CARDINAL"), (13, 17, "CARDINAL"), (58, 68, "DISEASE")]},
    ),
    (
        "Her brother has autism and goes to a special school in Leeds.",
        {"entities": [(16, 22, "DISEASE"), (55, 60, "GPE")]},
    ),
    (
        "Scarlet fever returned to England in 2014.",
        {"entities": [(0, 13, "DISEASE"), (26, 33, "GPE"), (37, 41, "DATE")]},
    ),
    (
        "Japanese researchers found a link between salt and stomach cancer.",
        {"entities": [(0, 8, "NORP"), (51, 65, "DISEASE")]},
    ),
    (
        "Dr. Ahmed treats children with kidney disease at a hospital in Cairo.",
        {"entities": [(4, 9, "PERSON"), (31, 45, "DISEASE"), (63, 68, "GPE")]},
    ),
    (
        "The patient from Ohio was admitted with appendicitis on Sunday night.",
        {"entities": [(17, 21, "GPE"), (40, 52, "DISEASE"), (56, 68, "TIME")]},
    ),
    (
        "Leprosy is now rare, but India still reports 100,000 cases a year.",
        {"entities": [(0, 7, "DISEASE"), (25, 30, "GPE"), (45, 52, "CARDINAL"), (59, 65, "DATE")]},
    ),
    (
        "Jane's doctor said her joint pain was rheumatoid arthritis.",
        {"entities": [(0, 4, "PERSON"), (38, 58, "DISEASE")]},
    ),
    ("Moderna is working on a vaccine for HIV.", {"entities": [(0, 7, "PERSON"), (36, 39, "DISEASE")]}),
    (
        "In 2009 swine flu spread from Mexico to the rest of the world.",
        {"entities": [(3, 7, "DATE"), (8, 17, "DISEASE"), (30, 36, "GPE")]},
    ),
    (
        "Peter was off work for two weeks with shingles.",
        {"entities": [(0, 5, "PERSON"), (23, 32, "DATE"), (38, 46, "DISEASE")]},
    ),
    (
        "Smallpox was eradicated in 1980 after a long global campaign.",
        {"entities": [(0, 8, "DISEASE"), (27, 31, "DATE")]},
    ),
    (
        "Elderly people in Italy are offered a free vaccine against influenza every autumn.",
        {"entities": [(18, 23, "GPE"), (59, 68, "DISEASE")]},
    ),
    ("She has had psoriasis on her elbows since she was a teenager.", {"entities": [(12, 21, "DISEASE")]}),
    (
        "The charity raised $3 million for research on Huntington's disease.",
        {"entities": [(19, 29, "MONEY"), (46, 66, "DISEASE")]},
    ),
    (
        "Hepatitis C can now be cured in about twelve weeks.",
        {"entities": [(0, 11, "DISEASE"), (32, 50, "DATE")]},
    ),
    (
        "Nearly 40 percent of adults in the survey had obesity.",
        {"entities": [(0, 17, "PERCENT"), (46, 53, "DISEASE")]},
    ),
    (
        "The boy was taken to a hospital in Denver with meningitis.",
        {"entities": [(35, 41, "GPE"), (47, 57, "DISEASE")]},
    ),
    ("Glaucoma can damage vision slowly without any pain.", {"entities": [(0, 8, "DISEASE")]}),
    (
        "Pele had colon cancer before he died in 2022.",
        {"entities": [(0, 4, "PERSON"), (9, 21, "DISEASE"), (40, 44, "DATE")]},
    ),
    (
        "My mother takes pills every morning for her high blood pressure.",
        {"entities": [(22, 35, "TIME"), (44, 63, "DISEASE")]},
    ),
    ("Tetanus can follow a deep cut from a rusty nail.", {"entities": [(0, 7, "DISEASE")]}),
    (
        "The professor at Yale studies why some people get schizophrenia.",
        {"entities": [(17, 21, "ORG"), (50, 63, "DISEASE")]},
    ),
    (
        "Bill had bronchitis for most of February.",
        {"entities": [(0, 4, "PERSON"), (9, 19, "DISEASE"), (32, 40, "DATE")]},
    ),
    (
        "Lyme disease is common in the forests of Connecticut.",
        {"entities": [(0, 12, "DISEASE"), (41, 52, "GPE")]},
    ),
    (
        "Kids at the nursery in Bristol caught hand, foot and mouth disease in May.",
        {"entities": [(23, 30, "ORG"), (38, 66, "DISEASE"), (70, 73, "DATE")]},
    ),
    (
        "Doctors in Paris reported the first European cases of monkeypox in 2022.",
        {
            "entities": [
                (11, 16, "GPE"),
                (30, 35, "ORDINAL"),
                (36, 44, "NORP"),
                (54, 63, "DISEASE"),
                (67, 71, "DATE"),
            ]
        },
    ),
    (
        "Angelina Jolie had surgery to lower her risk of ovarian cancer.",
        {"entities": [(0, 14, "PERSON"), (48, 62, "DISEASE")]},
    ),
    (
        "Dementia affects around 55 million people worldwide.",
        {"entities": [(0, 8, "DISEASE"), (17, 34, "CARDINAL")]},
    ),
    (
        "My friend Daniel has had Crohn's disease since college.",
        {"entities": [(10, 16, "PERSON"), (25, 40, "DISEASE")]},
    ),
    (
        "Tonsillitis kept Max in bed for a week in December.",
        {"entities": [(0, 11, "DISEASE"), (17, 20, "PERSON"), (32, 38, "DATE"), (42, 50, "DATE")]},
    ),
    (
        "In 2003 SARS spread from China to Canada.",
        {"entities": [(3, 7, "DATE"), (8, 12, "DISEASE"), (25, 30, "GPE"), (34, 40, "GPE")]},
    ),
    (
        "The Mayo Clinic published a guide to living with fibromyalgia.",
        {"entities": [(0, 15, "ORG"), (49, 61, "DISEASE")]},
    ),
    ("Prostate cancer is common among men over 65.", {"entities": [(0, 15, "DISEASE"), (41, 43, "DATE")]}),
    (
        "Over 5 million Americans have heart failure.",
        {"entities": [(5, 14, "CARDINAL"), (15, 24, "NORP"), (30, 43, "DISEASE")]},
    ),
    (
        "Kevin's daughter was diagnosed with type 1 diabetes at the age of seven.",
        {"entities": [(0, 5, "PERSON"), (36, 51, "DISEASE"), (55, 71, "DATE")]},
    ),
    (
        "Measles spread at a school in Vancouver in February.",
        {"entities": [(0, 7, "DISEASE"), (30, 39, "GPE"), (43, 51, "DATE")]},
    ),
    (
        "Lucy gets hay fever every spring when the trees bloom.",
        {"entities": [(0, 4, "PERSON"), (10, 19, "DISEASE")]},
    ),
    (
        "Tuberculosis remains a major problem in South Africa.",
        {"entities": [(0, 12, "DISEASE"), (40, 52, "GPE")]},
    ),
    (
        "The baby was born with congenital heart disease and had surgery at three months.",
        {"entities": [(23, 47, "DISEASE"), (67, 79, "DATE")]},
    ),
    (
        "The bird flu outbreak forced farmers in Iowa to kill 5 million chickens.",
        {"entities": [(4, 12, "DISEASE"), (40, 44, "GPE"), (53, 62, "CARDINAL")]},
    ),
    (
        "Rosa's father was treated for bladder cancer in Madrid.",
        {"entities": [(0, 4, "PERSON"), (30, 44, "DISEASE"), (48, 54, "GPE")]},
    ),
    (
        "Rickets was common among children in London in the nineteenth century.",
        {"entities": [(0, 7, "DISEASE"), (37, 43, "GPE"), (47, 69, "DATE")]},
    ),
    (
        "Nurses in Kenya are trained to spot malnutrition in young children.",
        {"entities": [(10, 15, "GPE"), (36, 48, "DISEASE")]},
    ),
    ("The old soldier suffered from malaria for the rest of his life.", {"entities": [(30, 37, "DISEASE")]}),
    (
        "Two students at the university in Texas were treated for meningitis last week.",
        {"entities": [(0, 3, "CARDINAL"), (34, 39, "GPE"), (57, 67, "DISEASE"), (68, 77, "DATE")]},
    ),
    (
        "Diabetes is becoming more common in China and India.",
        {"entities": [(0, 8, "DISEASE"), (36, 41, "GPE"), (46, 51, "GPE")]},
    ),
    (
        "Our neighbor Mrs. Green has arthritis in both knees.",
        {"entities": [(18, 23, "PERSON"), (28, 37, "DISEASE")]},
    ),
    (
        "The study followed 2,000 women with breast cancer for ten years.",
        {"entities": [(19, 24, "CARDINAL"), (36, 49, "DISEASE"), (54, 63, "DATE")]},
    ),
    (
        "Chickenpox spread through the kindergarten in March.",
        {"entities": [(0, 10, "DISEASE"), (46, 51, "DATE")]},
    ),
    (
        "Doctors in Chile reported fewer cases of influenza this winter.",
        {"entities": [(11, 16, "GPE"), (41, 50, "DISEASE"), (51, 62, "DATE")]},
    ),
    (
        "The Red Cross set up a clinic for cholera patients in Mozambique.",
        {"entities": [(0, 13, "ORG"), (34, 41, "DISEASE"), (54, 64, "GPE")]},
    ),
    (
        "Ben was diagnosed with leukemia at the age of twelve.",
        {"entities": [(0, 3, "PERSON"), (23, 31, "DISEASE"), (46, 52, "CARDINAL")]},
    ),
    (
        "Asthma attacks send thousands of children in Britain to hospital every winter.",
        {"entities": [(0, 6, "DISEASE"), (20, 29, "CARDINAL"), (45, 52, "GPE"), (65, 77, "DATE")]},
    ),
    (
        "The United Nations warned that cholera was spreading in Sudan.",
        {"entities": [(0, 18, "ORG"), (31, 38, "DISEASE"), (56, 61, "GPE")]},
    ),
    (
        "My aunt in Chicago has had diabetes for fifteen years.",
        {"entities": [(11, 18, "GPE"), (27, 35, "DISEASE"), (40, 53, "DATE")]},
    ),
    (
        "Scientists at the University of Toronto are studying Alzheimer's disease.",
        {"entities": [(14, 39, "ORG"), (53, 72, "DISEASE")]},
    ),
    (
        "Pneumonia killed more than 2 million people worldwide in 2019.",
        {"entities": [(0, 9, "DISEASE"), (17, 36, "CARDINAL"), (57, 61, "DATE")]},
    ),
    (
        "Dr. Lee treats patients with epilepsy at a hospital in Seoul.",
        {"entities": [(4, 7, "PERSON"), (29, 37, "DISEASE"), (55, 60, "GPE")]},
    ),
    (
        "The government of Brazil launched a campaign against dengue in January.",
        {"entities": [(18, 24, "GPE"), (53, 59, "DISEASE"), (63, 70, "DATE")]},
    ),
    (
        "Sickle cell disease is common in parts of Nigeria and India.",
        {"entities": [(0, 19, "DISEASE"), (42, 49, "GPE"), (54, 59, "GPE")]},
    ),
    (
        "Tom Brown beat testicular cancer and returned to work in 2020.",
        {"entities": [(0, 9, "PERSON"), (15, 32, "DISEASE"), (57, 61, "DATE")]},
    ),
    (
        "Two nurses in Madrid caught Ebola in 2014.",
        {"entities": [(0, 3, "CARDINAL"), (14, 20, "GPE"), (28, 33, "DISEASE"), (37, 41, "DATE")]},
    ),
    (
        "Lung cancer rates fell in Sweden after fewer people smoked.",
        {"entities": [(0, 11, "DISEASE"), (26, 32, "GPE")]},
    ),
    ("Hepatitis B is common in China.", {"entities": [(0, 11, "DISEASE"), (25, 30, "GPE")]}),
    (
        "Our son missed the school trip to Paris because of chickenpox.",
        {"entities": [(34, 39, "GPE"), (51, 61, "DISEASE")]},
    ),
    (
        "The World Health Organization declared mpox a global emergency in 2022.",
        {"entities": [(0, 29, "ORG"), (39, 43, "DISEASE"), (66, 70, "DATE")]},
    ),
    (
        "Rheumatoid arthritis affects about 1 percent of adults.",
        {"entities": [(0, 20, "DISEASE"), (29, 44, "PERCENT")]},
    ),
    (
        "Thousands of soldiers died of typhus during the First World War.",
        {"entities": [(0, 9, "CARDINAL"), (30, 36, "DISEASE"), (44, 63, "EVENT")]},
    ),
    (
        "Maria's grandfather lived with Parkinson's disease in a care home in Lisbon.",
        {"entities": [(0, 5, "PERSON"), (31, 50, "DISEASE"), (69, 75, "GPE")]},
    ),
    (
        "Multiple sclerosis is more common in Canada than in most countries.",
        {"entities": [(0, 18, "DISEASE"), (37, 43, "GPE")]},
    ),
    (
        "Grace caught influenza on a flight from Tokyo to Sydney.",
        {"entities": [(0, 5, "ORG"), (13, 22, "DISEASE"), (40, 45, "GPE"), (49, 55, "GPE")]},
    ),
    (
        "The doctor in Berlin said my cough was bronchitis, not pneumonia.",
        {"entities": [(14, 20, "GPE"), (39, 49, "DISEASE"), (55, 64, "DISEASE")]},
    ),
    ("Eczema often starts in the first year of life.", {"entities": [(0, 6, "DISEASE"), (23, 37, "DATE")]}),
    (
        "David's wife was treated for breast cancer at a hospital in Toronto.",
        {"entities": [(0, 5, "PERSON"), (29, 42, "DISEASE"), (60, 67, "GPE")]},
    ),
    (
        "Three children in Ohio got measles after a trip to Europe.",
        {"entities": [(0, 5, "CARDINAL"), (18, 22, "GPE"), (27, 34, "DISEASE"), (51, 57, "LOC")]},
    ),
    ("Malaria is spread by mosquitoes in warm countries.", {"entities": [(0, 7, "DISEASE")]}),
    (
        "The Mayo Clinic treats thousands of people with heart disease every year.",
        {"entities": [(0, 15, "ORG"), (23, 32, "CARDINAL"), (48, 61, "DISEASE"), (62, 72, "DATE")]},
    ),
    (
        "Linda's father had a stroke on Christmas Day.",
        {"entities": [(0, 5, "PERSON"), (21, 27, "DISEASE"), (31, 44, "DATE")]},
    ),
    (
        "Depression is one of the main causes of disability in Europe.",
        {"entities": [(0, 10, "DISEASE"), (54, 60, "LOC")]},
    ),
    (
        "Researchers at Johns Hopkins University study autism in young children.",
        {"entities": [(15, 39, "ORG"), (46, 52, "DISEASE")]},
    ),
    (
        "Cystic fibrosis affects about 10,000 people in Britain.",
        {"entities": [(0, 15, "DISEASE"), (24, 36, "CARDINAL"), (47, 54, "GPE")]},
    ),
]
